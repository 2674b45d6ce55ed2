package io.bitnettt.tt;

import io.bitnettt.cpu.CpuDevice;
import io.bitnettt.spi.CapturedStep;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.MemoryPlacement;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The decode speed contract at the TT-NN level, read from the counters of the shim over the host
 * double: once warmed up, each greedy token costs one trace replay of TT-NN programs, which writes its
 * argmax into its own input and advances its position on the device; the host writes nothing and
 * reads the 4-byte id; no device buffer is allocated and no layout conversion runs.
 */
class DecodeSpeedContractTest {
    private static final int WARM_UP = 2;
    private static final int TOKENS = 12;

    @Test
    void eachWarmTokenIsOneReplayWithNoAllocationAndOnlyScalarsCrossing() {
        long seed = 5;
        int first = 7;
        int[] expected = greedyOnCpu(seed, first, WARM_UP + TOKENS);
        try (TenstorrentDevice d = Emulator.open(); MiniDecoder m = new MiniDecoder(d, seed, MemoryPlacement.DEVICE_L1)) {
            m.start(first);
            m.setPosition(0);
            int[] got = new int[WARM_UP + TOKENS];
            try (CapturedStep step = d.capture(m::step)) {
                assertTrue(step.isRecorded());
                got[0] = m.readToken();
                for (int pos = 1; pos < WARM_UP; pos++) {
                    step.replay();
                    got[pos] = m.readToken();
                }
                for (int pos = WARM_UP; pos < WARM_UP + TOKENS; pos++) {
                    DeviceCounters before = d.counters();
                    step.replay();
                    got[pos] = m.readToken();
                    DeviceCounters t = d.counters().since(before);
                    String at = "token at position " + pos + ": " + t;
                    if (pos == WARM_UP) {
                        System.out.println("DecodeSpeedContractTest per token: " + t);
                    }
                    assertEquals(1, t.traceReplays(), at);
                    assertEquals(0, t.traceCaptures(), at);
                    assertEquals(0, t.allocations(), at);
                    assertEquals(0, t.deallocations(), at);
                    assertEquals(0, t.layoutConversions(), at);
                    assertEquals(0, t.hostToDeviceBytes(), at);
                    assertEquals(4, t.deviceToHostBytes(), "the argmax id only: " + at);
                    assertTrue(t.ops() >= 20 * MiniDecoder.LAYERS, "the whole step ran as TT-NN programs: " + at);
                    assertEquals(21, t.abiCalls(), "the step's 21 fused primitives (with plus_one): " + at);
                }
            }
            // Not vacuous: the replayed steps compute what the CPU backend computes eagerly.
            assertArrayEquals(expected, got, "greedy tokens of seed " + seed);
        }
    }

    @Test
    void captureCountsOneCaptureAndTheEagerRunLeavesValidOutputs() {
        long seed = 6;
        int[] expected = greedyOnCpu(seed, 3, 1);
        try (TenstorrentDevice d = Emulator.open(); MiniDecoder m = new MiniDecoder(d, seed, MemoryPlacement.DEVICE_L1)) {
            m.start(3);
            m.setPosition(0);
            d.resetCounters();
            try (CapturedStep step = d.capture(m::step)) {
                assertEquals(expected[0], m.readToken());
                DeviceCounters c = d.counters();
                assertEquals(1, c.traceCaptures(), c.toString());
                assertEquals(0, c.traceReplays(), c.toString());
            }
        }
    }

    private static int[] greedyOnCpu(long seed, int first, int steps) {
        int[] tokens = new int[steps];
        try (CpuDevice cpu = CpuDevice.open(DeviceOptions.defaults().withThreads(1));
             MiniDecoder m = new MiniDecoder(cpu, seed, MemoryPlacement.DEVICE_L1)) {
            m.start(first);
            for (int pos = 0; pos < steps; pos++) {
                m.setPosition(pos);
                m.step();
                tokens[pos] = m.readToken();
            }
        }
        return tokens;
    }
}
