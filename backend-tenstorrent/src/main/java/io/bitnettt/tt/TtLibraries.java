package io.bitnettt.tt;

import io.bitnettt.spi.BackendUnavailableException;
import io.bitnettt.tt.ffi.BttLibrary;
import io.bitnettt.tt.ffi.BttLoadException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/** Finds and loads the two implementations of {@code bitnet_tt.h}: the TT-NN shim and the emulator. */
public final class TtLibraries {
    /** Path of the TT-NN shim; without it {@value #SHIM_FILE} is looked up on the library path. */
    public static final String SHIM_PROPERTY = "bitnet.tt.library";
    public static final String SHIM_FILE = "libbitnet_ttnn.so";
    /** Path of the emulator; without it the copy inside this jar is used. */
    public static final String EMULATOR_PROPERTY = "bitnet.tt.emulator.library";
    public static final String EMULATOR_RESOURCE = "/native/linux-x86_64/libbitnet_tt_emu.so";

    private static Path extractedEmulator;

    private TtLibraries() {
    }

    /** A loaded library, or why there is none. */
    public record Found(BttLibrary library, String problem) {
        public boolean ok() {
            return library != null;
        }

        public BttLibrary orElseThrow(String backend) {
            if (library == null) {
                throw new BackendUnavailableException(backend, problem);
            }
            return library;
        }

        static Found problem(String why) {
            return new Found(null, why);
        }
    }

    public static Found shim() {
        String configured = System.getProperty(SHIM_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured.trim());
            if (!Files.isRegularFile(p)) {
                return Found.problem("TT-NN shim library " + p + " (from system property " + SHIM_PROPERTY
                        + ") does not exist");
            }
            return load(p, "TT-NN shim library " + p + " (from " + SHIM_PROPERTY + ")");
        }
        try {
            return new Found(BttLibrary.loadByName(SHIM_FILE), null);
        } catch (BttLoadException e) {
            return Found.problem("no TT-NN shim: system property " + SHIM_PROPERTY + " is unset and " + SHIM_FILE
                    + " could not be loaded from the library path (" + e.getMessage() + ")");
        }
    }

    public static Found emulator() {
        String configured = System.getProperty(EMULATOR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured.trim());
            if (!Files.isRegularFile(p)) {
                return Found.problem("emulator library " + p + " (from system property " + EMULATOR_PROPERTY
                        + ") does not exist");
            }
            return load(p, "emulator library " + p + " (from " + EMULATOR_PROPERTY + ")");
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Found.problem("the bundled emulator is built for linux-x86_64 only, this is " + os + "-" + arch
                    + "; set " + EMULATOR_PROPERTY + " to a build of it");
        }
        try {
            Path p = extractEmulator();
            if (p == null) {
                return Found.problem("system property " + EMULATOR_PROPERTY + " is unset and this jar holds no "
                        + EMULATOR_RESOURCE.substring(1));
            }
            return load(p, "bundled emulator library " + p);
        } catch (IOException e) {
            return Found.problem("cannot extract the bundled emulator library: " + e);
        }
    }

    private static Found load(Path p, String what) {
        try {
            return new Found(BttLibrary.load(p), null);
        } catch (BttLoadException e) {
            return Found.problem(what + " cannot be used: " + e.getMessage());
        }
    }

    /** Copies the jar's emulator to a temporary file once per JVM (dlopen needs a file). */
    private static synchronized Path extractEmulator() throws IOException {
        if (extractedEmulator != null) {
            return extractedEmulator;
        }
        try (InputStream in = TtLibraries.class.getResourceAsStream(EMULATOR_RESOURCE)) {
            if (in == null) {
                return null;
            }
            Path tmp = Files.createTempFile("libbitnet_tt_emu", ".so");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            extractedEmulator = tmp;
            return tmp;
        }
    }
}
