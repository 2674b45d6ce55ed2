package io.bitnettt.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import org.junit.jupiter.api.Test;

/**
 * A warm greedy decode step (the captured step's replay, argmax included, and reading the id back)
 * allocates nothing on the Java heap, on the CPU backend with a small model.
 *
 * <p>Until C2 has compiled the kernels, Vector API code runs boxed, so the count starts after a
 * fixed number of warm steps. The pom runs this class alone in a JVM that compiles synchronously
 * ({@code -Xbatch}, checked here): a step that triggers a compilation waits for it, so the code
 * reaches its final state after the same number of steps on every run however busy the machine,
 * and the check does not wait on a clock. In a fresh JVM the last allocation (a few hundred bytes
 * as C1 code was replaced) came in steps 2600 to 2800; {@link #WARM_STEPS} is twice that.
 */
class DecodeStepAllocationTest {
    private static final ModelDims SMALL = new ModelDims(96, 64, 160, 2, 4, 2, 16, 1e-5f, 10000.0, 48);
    private static final int WARM_STEPS = 6000;
    /** Windows of 200 steps counted after the warm steps; every one must allocate nothing. */
    private static final int WINDOWS = 5;

    @Test
    void warmGreedyDecodeStepAllocatesNothing() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
                && bean.isThreadAllocatedMemorySupported(), "this JVM does not count allocated bytes per thread");
        assertEquals("false", ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                        .getVMOption("BackgroundCompilation").getValue(),
                "this check counts steps until the JIT is done and needs synchronous compilation: run it with"
                        + " -Xbatch, as the pom's execution for it does");
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        TinyModel model = new TinyModel(SMALL, 42L);
        try (Device device = BackendSelector.fromServiceLoader().select("cpu").open(DeviceOptions.defaults().withThreads(2));
             DeviceWeights weights = TinyModelUpload.upload(device, model);
             BitNetForward engine = new BitNetForward(device, SMALL, weights, 4)) {
            engine.prefill(new int[] {1, 2, 3, 4, 5}, 0, 5);
            // The same step each time (its cache row is rewritten), so every replay gives the same id.
            int expected = engine.decodeArgmax(7, 5);
            for (int i = 0; i < WARM_STEPS; i++) {
                assertEquals(expected, engine.decodeArgmax(7, 5), "a replayed decode step changed its result");
            }
            long[] windows = new long[WINDOWS];
            for (int w = 0; w < WINDOWS; w++) {
                long before = bean.getCurrentThreadAllocatedBytes();
                int id = 0;
                for (int i = 0; i < 200; i++) {
                    id = engine.decodeArgmax(7, 5);
                }
                windows[w] = bean.getCurrentThreadAllocatedBytes() - before;
                assertEquals(expected, id, "a replayed decode step changed its result");
            }
            assertArrayEquals(new long[WINDOWS], windows, "bytes allocated by each window of 200 warm decode steps after "
                    + WARM_STEPS + " warm ones");
        }
    }
}
