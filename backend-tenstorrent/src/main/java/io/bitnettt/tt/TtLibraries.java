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

/**
 * Finds and loads the two builds of the shim behind {@code bitnet_tt.h}: over TT-NN (a card) and over
 * the host double of TT-NN (bundled in this jar).
 */
public final class TtLibraries {
    /** Path of the TT-NN shim; without it {@value #SHIM_FILE} is looked up on the library path. */
    public static final String SHIM_PROPERTY = "bitnet.tt.library";
    public static final String SHIM_FILE = "libbitnet_ttnn.so";
    /** Path of the shim over the host double; without it the copy inside this jar is used. */
    public static final String HOST_DOUBLE_PROPERTY = "bitnet.tt.hostdouble.library";
    public static final String HOST_DOUBLE_FILE = "libbitnet_ttnn_hostdouble.so";
    public static final String HOST_DOUBLE_RESOURCE = "/native/linux-x86_64/" + HOST_DOUBLE_FILE;
    /** {@code btt_implementation()} of each build. */
    public static final String TTNN = "ttnn";
    public static final String HOST_DOUBLE = "ttnn-host-double";

    private static Path extractedHostDouble;

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

    public static Found hostDouble() {
        String configured = System.getProperty(HOST_DOUBLE_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured.trim());
            if (!Files.isRegularFile(p)) {
                return Found.problem("host-double library " + p + " (from system property " + HOST_DOUBLE_PROPERTY
                        + ") does not exist");
            }
            return load(p, "host-double library " + p + " (from " + HOST_DOUBLE_PROPERTY + ")");
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Found.problem("the bundled host double is built for linux-x86_64 only, this is " + os + "-" + arch
                    + "; set " + HOST_DOUBLE_PROPERTY + " to a build of it");
        }
        try {
            Path p = extractHostDouble();
            if (p == null) {
                return Found.problem("system property " + HOST_DOUBLE_PROPERTY + " is unset and this jar holds no "
                        + HOST_DOUBLE_RESOURCE.substring(1));
            }
            return load(p, "bundled host-double library " + p);
        } catch (IOException e) {
            return Found.problem("cannot extract the bundled host-double library: " + e);
        }
    }

    private static Found load(Path p, String what) {
        try {
            return new Found(BttLibrary.load(p), null);
        } catch (BttLoadException e) {
            return Found.problem(what + " cannot be used: " + e.getMessage());
        }
    }

    /** Copies the jar's host-double build to a temporary file once per JVM (dlopen needs a file). */
    private static synchronized Path extractHostDouble() throws IOException {
        if (extractedHostDouble != null) {
            return extractedHostDouble;
        }
        try (InputStream in = TtLibraries.class.getResourceAsStream(HOST_DOUBLE_RESOURCE)) {
            if (in == null) {
                return null;
            }
            Path tmp = Files.createTempFile("libbitnet_ttnn_hostdouble", ".so");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            extractedHostDouble = tmp;
            return tmp;
        }
    }
}
