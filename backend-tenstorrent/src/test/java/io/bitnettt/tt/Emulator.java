package io.bitnettt.tt;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Opens emulated devices for tests. The build always compiles the emulator and passes its path, so
 * a missing property is a broken build, and the tests fail rather than skip.
 */
final class Emulator {
    private Emulator() {
    }

    static String libraryPath() {
        String p = System.getProperty(TtLibraries.EMULATOR_PROPERTY);
        if (p == null || p.isBlank()) {
            fail("system property " + TtLibraries.EMULATOR_PROPERTY + " is unset: the Maven build compiles "
                    + "libbitnet_tt_emu.so and passes its path to the tests; run them through Maven");
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
