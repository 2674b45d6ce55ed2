package io.bitnettt.engine;

import io.bitnettt.demo.DemoModel;
import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.model.checkpoint.HostTensor;
import io.bitnettt.safetensors.HalfFloats;
import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.RowQuantization;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.tt.TenstorrentEmulatorProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Quality evidence for the int8 output projection: on tiny random models, the logits of the int8
 * path stay within the error the quantization step allows, and greedy tokens agree with bf16.
 *
 * <p>The bound, per logit r: each dequantized weight is within {@code scale_r/2} of the bf16 one
 * ({@link RowQuantization}), so {@code |Δlogit_r| ≤ Σ|x_i| · scale_r / 2}. The engine does not
 * expose x (the final-normed hidden state), but {@code x_i = g_i · h_i / sqrt(mean(h²) + eps)}
 * has {@code ‖x‖₂ ≤ max|g| · sqrt(d)}, so {@code Σ|x_i| ≤ sqrt(d)·‖x‖₂ ≤ d · max|g|}. The slack
 * added on top covers the float accumulation of both paths (1e-4 of the largest possible |logit|).
 */
class Int8OutputProjectionTest {
    private static final ModelDims SMALL = new ModelDims(96, 64, 160, 2, 4, 2, 16, 1e-5f, 10000.0, 48);
    private static final int STEPS = 32;

    private static Device cpu() {
        return BackendSelector.fromServiceLoader().select("cpu").open(DeviceOptions.defaults().withThreads(2));
    }

    @Test
    void logitsStayWithinTheQuantizationBoundAndGreedyTokensMatchBf16For32Steps() {
        for (long seed : new long[] {42, 7, 3}) {
            TinyModel m = new TinyModel(SMALL, seed);
            int vocab = SMALL.vocabSize();
            int d = SMALL.hidden();
            float[] scales = new float[vocab];
            float[] maxAbsRow = new float[vocab];
            byte[] codes = new byte[vocab * d];
            float[] flat = new float[vocab * d];
            for (int r = 0; r < vocab; r++) {
                System.arraycopy(m.embedding[r], 0, flat, r * d, d);
                scales[r] = RowQuantization.quantizeRow(flat, r * d, d, codes, r * d);
                maxAbsRow[r] = scales[r] * RowQuantization.MAX_CODE;
            }
            float maxG = 0;
            for (float g : m.finalNorm) maxG = Math.max(maxG, Math.abs(g));
            double sumAbsX = (double) d * maxG;

            try (Device device = cpu(); DeviceWeights bf = TinyModelUpload.upload(device, m);
                 Tensor q = device.upload(TensorSpec.of(DType.INT8, vocab, d), MemorySegment.ofArray(codes.clone()));
                 Tensor s = device.upload(TensorSpec.f32(vocab), MemorySegment.ofArray(scales.clone()))) {
                DeviceWeights i8 = new DeviceWeights(bf.embedding(), bf.layers(), bf.finalNorm(), bf.output(),
                        new DeviceWeights.QuantizedTable(q, s));
                try (BitNetForward a = new BitNetForward(device, SMALL, bf, 4);
                     BitNetForward b = new BitNetForward(device, SMALL, i8, 4)) {
                    float[] la = new float[vocab];
                    float[] lb = new float[vocab];
                    int token = 5;
                    double worstRatio = 0;
                    for (int pos = 0; pos < STEPS; pos++) {
                        a.decode(token, pos, la);
                        b.decode(token, pos, lb);
                        for (int r = 0; r < vocab; r++) {
                            double bound = sumAbsX * scales[r] / 2 + 1e-4 * sumAbsX * maxAbsRow[r];
                            double err = Math.abs(la[r] - lb[r]);
                            worstRatio = Math.max(worstRatio, err / bound);
                            assertTrue(err <= bound, "seed " + seed + " pos " + pos + " logit " + r + ": |Δ| " + err
                                    + " > bound " + bound);
                        }
                        int greedy = argmax(la);
                        assertEquals(greedy, argmax(lb), "seed " + seed + ": greedy token at step " + pos);
                        token = greedy; // both continue on the same context
                    }
                    System.out.println("Int8OutputProjectionTest: seed " + seed + " worst |Δlogit| / bound = " + worstRatio);
                }
            }
        }
    }

    @Test
    void theUploaderQuantizesTheTiedTableRowByRowOnceAtLoad(@TempDir Path cache) {
        Path dir = DemoModel.ensure(cache);
        try (Checkpoint ckpt = Checkpoint.open(dir); Device device = cpu();
             DeviceWeights w = WeightUploader.upload(ckpt, device, true)) {
            HostTensor table = ckpt.embedding();
            int rows = Math.toIntExact(table.shape()[0]);
            int d = Math.toIntExact(table.shape()[1]);
            byte[] codes = new byte[rows * d];
            float[] scales = new float[rows];
            float[] row = new float[d];
            byte[] want = new byte[d];
            w.outputInt8().codes().download(MemorySegment.ofArray(codes));
            w.outputInt8().rowScales().download(MemorySegment.ofArray(scales));
            assertEquals(DType.INT8, w.outputInt8().codes().dtype());
            for (int r = 0; r < rows; r++) {
                table.read((long) r * d, row);
                for (int i = 0; i < d; i++) row[i] = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(row[i]));
                assertEquals(RowQuantization.quantizeRow(row, 0, d, want, 0), scales[r], "scale of row " + r);
                assertArrayEquals(want, java.util.Arrays.copyOfRange(codes, r * d, (r + 1) * d), "codes of row " + r);
            }
            assertSame(w.embedding(), w.output(), "the bf16 table stays for the embedding lookup");
        }
    }

    @Test
    void aBackendWithoutTheOpIsRefusedBeforeAnythingIsUploaded(@TempDir Path cache) {
        Path dir = DemoModel.ensure(cache);
        try (Checkpoint ckpt = Checkpoint.open(dir);
             Device emu = BackendSelector.fromServiceLoader().select(TenstorrentEmulatorProvider.NAME)
                     .open(DeviceOptions.defaults())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> WeightUploader.upload(ckpt, emu, true));
            assertEquals("int8 output projection was requested but backend " + emu.backendName()
                    + " does not support it; leave it off for this backend", e.getMessage());
        }
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
