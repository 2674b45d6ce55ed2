package io.bitnettt.tt;

import io.bitnettt.spi.Availability;
import io.bitnettt.spi.BackendProvider;
import io.bitnettt.spi.BackendUnavailableException;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.tt.ffi.BttLibrary;

/**
 * The TT-NN shim over the host double of TT-NN: the shim's own code without a card, for tests,
 * counting and rooflines. It is never picked by {@code auto} (a missing card must not silently turn
 * into a slow stand-in), only by its name. Capacities come from the {@code tt.emulator.*} device
 * properties ({@link EmulatorConfig}).
 */
public final class TenstorrentEmulatorProvider implements BackendProvider {
    public static final String NAME = "tenstorrent-emulator";

    @Override
    public String name() {
        return NAME;
    }

    /** Irrelevant to {@code auto}, which never picks it; orders it last in listings. */
    @Override
    public int priority() {
        return 0;
    }

    @Override
    public boolean autoSelectable() {
        return false;
    }

    @Override
    public Availability probe() {
        TtLibraries.Found found = TtLibraries.hostDouble();
        if (!found.ok()) {
            return Availability.unavailable(found.problem());
        }
        BttLibrary lib = found.library();
        if (!lib.implementation().equals(TtLibraries.HOST_DOUBLE)) {
            return Availability.unavailable(lib.origin() + " implements '" + lib.implementation() + "', not the shim over "
                    + "the host double of TT-NN");
        }
        return Availability.available("TT-NN shim over the host double from " + lib.origin() + " (chosen only by name)");
    }

    @Override
    public Device open(DeviceOptions options) {
        Availability a = probe();
        if (!a.available()) {
            throw new BackendUnavailableException(NAME, a.reason());
        }
        EmulatorConfig config;
        try {
            config = EmulatorConfig.fromProperties(options.properties());
        } catch (IllegalArgumentException e) {
            throw new BackendUnavailableException(NAME, "bad emulator options: " + e.getMessage());
        }
        return TenstorrentDevice.open(TtLibraries.hostDouble().orElseThrow(NAME), NAME, config.toNative(options.deviceId()));
    }
}
