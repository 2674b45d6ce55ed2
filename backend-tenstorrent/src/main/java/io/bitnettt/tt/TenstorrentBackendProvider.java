package io.bitnettt.tt;

import io.bitnettt.spi.Availability;
import io.bitnettt.spi.BackendProvider;
import io.bitnettt.spi.BackendUnavailableException;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Tenstorrent backend: TT-NN driven through a C ABI shim over Panama FFI.
 *
 * <p>The shim and its emulator are not part of this build yet, so the probe reports exactly what is
 * missing instead of pretending; {@code auto} then falls back to the CPU.
 */
public final class TenstorrentBackendProvider implements BackendProvider {
    public static final String NAME = "tenstorrent";
    /** Accelerators outrank the CPU under {@code auto}. */
    public static final int PRIORITY = 100;
    static final String LIBRARY_PROPERTY = "bitnet.tt.library";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public Availability probe() {
        String lib = System.getProperty(LIBRARY_PROPERTY);
        if (lib == null || lib.isBlank()) {
            return Availability.unavailable("no TT-NN shim library configured (system property "
                    + LIBRARY_PROPERTY + " is unset) and this build ships no TT-NN bindings yet");
        }
        if (!Files.isRegularFile(Path.of(lib))) {
            return Availability.unavailable("TT-NN shim library " + lib + " (from " + LIBRARY_PROPERTY
                    + ") does not exist");
        }
        return Availability.unavailable("TT-NN shim library " + lib
                + " found, but this build ships no FFI bindings for it yet");
    }

    @Override
    public Device open(DeviceOptions options) {
        throw new BackendUnavailableException(NAME, probe().reason());
    }
}
