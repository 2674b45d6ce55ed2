package io.bitnettt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import org.junit.jupiter.api.Test;

/**
 * A warm greedy decode step (the captured step's replay, argmax included, and reading the id back)
 * allocates nothing on the Java heap, on the CPU backend with a small model.
 */
class DecodeStepAllocationTest {
    private static final ModelDims SMALL = new ModelDims(96, 64, 160, 2, 4, 2, 16, 1e-5f, 10000.0, 48);
    /** Until C2 has compiled the kernels, Vector API code runs boxed; on 2 busy cores that can take seconds. */
    private static final long SETTLE_NANOS = 30_000_000_000L;

    @Test
    void warmGreedyDecodeStepAllocatesNothing() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
                && bean.isThreadAllocatedMemorySupported(), "this JVM does not count allocated bytes per thread");
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        TinyModel model = new TinyModel(SMALL, 42L);
        try (Device device = BackendSelector.fromServiceLoader().select("cpu").open(DeviceOptions.defaults().withThreads(2));
             DeviceWeights weights = TinyModelUpload.upload(device, model);
             BitNetForward engine = new BitNetForward(device, SMALL, weights, 4)) {
            engine.prefill(new int[] {1, 2, 3, 4, 5}, 0, 5);
            int expected = engine.decodeArgmax(7, 5);
            // The same step each time (its cache row is rewritten), so every replay gives the same id.
            List<Long> windows = new ArrayList<>();
            long end = System.nanoTime() + SETTLE_NANOS;
            while (System.nanoTime() < end) {
                long before = bean.getCurrentThreadAllocatedBytes();
                int id = 0;
                for (int i = 0; i < 200; i++) {
                    id = engine.decodeArgmax(7, 5);
                }
                long allocated = bean.getCurrentThreadAllocatedBytes() - before;
                assertEquals(expected, id, "a replayed decode step changed its result");
                if (allocated == 0) {
                    return;
                }
                windows.add(allocated);
            }
            fail("every window of 200 warm decode steps allocated for " + SETTLE_NANOS / 1_000_000_000L
                    + " s; the last ones: " + windows.subList(Math.max(0, windows.size() - 5), windows.size()) + " bytes");
        }
    }
}
