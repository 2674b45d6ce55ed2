package io.bitnettt.tt;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Opens devices of the TT-NN shim over the host double for tests. The build always compiles the
 * library and passes its path, so a missing property is a broken build, and the tests fail rather
 * than skip.
 */
final class Emulator {
    private Emulator() {
    }

    static String libraryPath() {
        String p = System.getProperty(TtLibraries.HOST_DOUBLE_PROPERTY);
        if (p == null || p.isBlank()) {
            fail("system property " + TtLibraries.HOST_DOUBLE_PROPERTY + " is unset: the Maven build compiles "
                    + TtLibraries.HOST_DOUBLE_FILE + " and passes its path to the tests; run them through Maven");
        }
        return p;
    }

    static TenstorrentDevice open() {
        return open(EmulatorConfig.defaults());
    }

    static TenstorrentDevice open(EmulatorConfig config) {
        libraryPath();
        return TenstorrentDevice.openEmulator(config);
    }
}
