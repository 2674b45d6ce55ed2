package io.bitnettt.engine;

import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.tt.DeviceCounters;
import io.bitnettt.tt.TenstorrentDevice;
import io.bitnettt.tt.TenstorrentEmulatorProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The whole engine on the Tenstorrent emulator (through the FFI bindings, selected by name as a
 * user would) against the CPU backend: same greedy tokens, and the decode recipe's per-token cost
 * read from the device counters.
 */
class TenstorrentEmulatorEngineTest {
    private static final ModelDims SMALL = new ModelDims(96, 64, 160, 2, 4, 2, 16, 1e-5f, 10000.0, 48);
    private static final ModelDims GQA4 = new ModelDims(128, 64, 176, 3, 8, 2, 8, 1e-5f, 500000.0, 48);
    private static final int STEPS = 32;

    /**
     * Random tiny models often settle on one token within a few steps (seeds 1 and 42 of SMALL
     * repeat a single id for 30 steps), which would make equal sequences say little; these seeds
     * wander over many ids. Every seed tried (1, 2, 3, 4, 5, 7, 8, 11, 19, 42) agreed.
     */
    static Stream<Arguments> models() {
        return Stream.of(Arguments.of(SMALL, 7L, 4), Arguments.of(SMALL, 5L, 4), Arguments.of(GQA4, 3L, 5),
                Arguments.of(GQA4, 19L, 16), Arguments.of(GQA4, 11L, 5));
    }

    /** Fails (does not skip) when the emulator is missing: the build always provides it. */
    private static Device emulator() {
        return BackendSelector.fromServiceLoader().select(TenstorrentEmulatorProvider.NAME).open(DeviceOptions.defaults());
    }

    private static Device cpu() {
        return BackendSelector.fromServiceLoader().select("cpu").open(DeviceOptions.defaults().withThreads(2));
    }

    private static int[] prompt(ModelDims d) {
        int[] p = new int[11];
        for (int i = 0; i < p.length; i++) p[i] = (i * 37 + 5) % d.vocabSize();
        return p;
    }

    private static int[] greedy(Device device, TinyModel m, int block) {
        int[] prompt = prompt(m.dims);
        int[] out = new int[STEPS];
        try (DeviceWeights w = TinyModelUpload.upload(device, m);
             BitNetForward engine = new BitNetForward(device, m.dims, w, block)) {
            engine.prefill(prompt, 0, prompt.length - 1);
            int token = prompt[prompt.length - 1];
            for (int step = 0; step < STEPS; step++) {
                token = engine.decodeArgmax(token, prompt.length - 1 + step);
                out[step] = token;
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} seed {1} block {2}")
    @MethodSource("models")
    void greedyTokensEqualTheCpuBackendsFor32Steps(ModelDims d, long seed, int block) {
        TinyModel m = new TinyModel(d, seed);
        int[] expected;
        try (Device c = cpu()) {
            expected = greedy(c, m, block);
        }
        int[] got;
        try (Device e = emulator()) {
            got = greedy(e, m, block);
        }
        assertTrue(Arrays.stream(expected).distinct().count() >= 6, "a sequence worth comparing: " + Arrays.toString(expected));
        assertArrayEquals(expected, got, "seed " + seed + ": cpu " + Arrays.toString(expected) + " vs emulator "
                + Arrays.toString(got));
    }

    @Test
    void eachGreedyTokenIsOneReplayWithNoAllocationAndOnlyScalarsCrossing() {
        TinyModel m = new TinyModel(SMALL, 42);
        int[] prompt = prompt(SMALL);
        try (Device device = emulator(); DeviceWeights w = TinyModelUpload.upload(device, m);
             BitNetForward engine = new BitNetForward(device, SMALL, w, 4)) {
            TenstorrentDevice tt = (TenstorrentDevice) device;
            engine.prefill(prompt, 0, prompt.length - 1);
            int token = prompt[prompt.length - 1];
            int pos = prompt.length - 1;
            for (int warm = 0; warm < 2; warm++) {
                token = engine.decodeArgmax(token, pos++);
            }
            for (int i = 0; i < 8; i++) {
                DeviceCounters before = tt.counters();
                token = engine.decodeArgmax(token, pos++);
                DeviceCounters t = tt.counters().since(before);
                if (i == 0) {
                    System.out.println("engine per greedy token on the emulator: " + t);
                }
                String at = "token at position " + (pos - 1) + ": " + t;
                assertEquals(1, t.traceReplays(), at);
                assertEquals(0, t.allocations(), at);
                assertEquals(0, t.deallocations(), at);
                assertEquals(0, t.layoutConversions(), at);
                assertTrue(t.hostToDeviceBytes() <= 64, at);
                assertTrue(t.deviceToHostBytes() <= 64, at);
                assertTrue(t.l1BytesInUse() > 0, "decode intermediates live in L1: " + at);
            }
        }
    }
}
