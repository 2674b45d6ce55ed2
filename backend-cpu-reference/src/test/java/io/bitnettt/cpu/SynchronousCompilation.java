package io.bitnettt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;

/** For checks that count warm steps: they are only repeatable when the JIT compiles synchronously. */
final class SynchronousCompilation {
    private SynchronousCompilation() {
    }

    /** Fails unless this JVM runs with {@code -Xbatch} (that is, {@code -XX:-BackgroundCompilation}). */
    static void require() {
        HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        assertEquals("false", hotSpot.getVMOption("BackgroundCompilation").getValue(),
                "this check counts steps until the JIT is done and needs synchronous compilation: run it with"
                        + " -Xbatch, as the pom's execution for it does");
    }
}
