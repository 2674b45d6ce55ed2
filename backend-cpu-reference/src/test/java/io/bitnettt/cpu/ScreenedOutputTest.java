package io.bitnettt.cpu;

import static io.bitnettt.cpu.Host.f32;
import static io.bitnettt.cpu.Host.floats;
import static io.bitnettt.cpu.Host.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.bitnettt.spi.BackendException;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.LogitScreen;
import io.bitnettt.spi.ScreenedTable;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.spi.TransformerOps;
import org.junit.jupiter.api.Test;

/**
 * The screened output projection gives exactly what the full projection followed by argmax or
 * top-k gives (same ids, same float bits, lower index first on ties) on 1, 2 and 3 threads, and
 * recomputes the same rows whatever the thread count: on random tables, on tables whose rows are
 * so close that the int8 logits rank them wrongly, on exact ties, and where no bound holds
 * (non-finite activations or rows, k past the screen's limit), where it computes every row.
 * The shapes leave tails: d = 200 is not a multiple of the kernels' chunks, 1003 rows do not split
 * into groups of four.
 */
class ScreenedOutputTest {
    private static final int D = 200;
    private static final int V = 1003;
    private static final int[] KS = {1, 7, 50};

    @Test
    void randomTablesGiveTheFullResultsAndRecomputeFewRows() {
        Random r = new Random(1);
        for (int trial = 0; trial < 4; trial++) {
            float[] table = gaussian(r, V * D, 0.05f);
            float[] x = gaussian(r, D, 1f);
            long[] rows = assertSameAsFullOnOneTwoThreeThreads(table, DType.BF16, x);
            assertTrue(rows[0] < V / 10, "argmax recomputed " + rows[0] + " of " + V + " rows");
        }
    }

    @Test
    void nearCopiesThatTheInt8LogitsMisrankGiveTheExactWinner() {
        Random r = new Random(2);
        int misranked = 0;
        for (int trial = 0; trial < 20; trial++) {
            float[] base = gaussian(r, D, 0.05f);
            float[] table = gaussian(r, V * D, 0.05f);
            // 40 rows a hair apart, above every other row: only the full values can order them.
            float[] x = gaussian(r, D, 1f);
            for (int c = 0; c < 40; c++) {
                int row = 37 + c * 23;
                for (int i = 0; i < D; i++) {
                    float push = Math.signum(x[i]) * 0.05f;
                    table[row * D + i] = base[i] + push + (float) r.nextGaussian() * 1e-3f;
                }
            }
            assertSameAsFullOnOneTwoThreeThreads(table, DType.BF16, x);
            if (coarseArgmax(table, x) != fullArgmax(table, x)) {
                misranked++;
            }
        }
        assertTrue(misranked > 0, "the int8 logits ranked every trial right: the test does not exercise the refinement");
    }

    @Test
    void exactTiesGoToTheLowerIndex() {
        Random r = new Random(3);
        float[] table = gaussian(r, V * D, 0.05f);
        float[] x = gaussian(r, D, 1f);
        float[] top = new float[D];
        for (int i = 0; i < D; i++) {
            top[i] = Math.signum(x[i]) * 0.2f;
        }
        for (int row : new int[] {900, 5, 501}) {
            System.arraycopy(top, 0, table, row * D, D);
        }
        assertSameAsFullOnOneTwoThreeThreads(table, DType.BF16, x);
        try (CpuDevice device = CpuDevice.open(DeviceOptions.defaults().withThreads(3));
             Screened s = Screened.of(device, table, DType.BF16, x)) {
            device.ops().screenedArgmax(s.x, s.table, s.logits, s.out);
            assertEquals(5, ints(s.out)[0]);
        }
    }

    @Test
    void aTableOfEqualRowsRecomputesEveryRowAndKeepsIndexOrder() {
        Random r = new Random(4);
        float[] row = gaussian(r, D, 0.05f);
        float[] table = new float[V * D];
        for (int v = 0; v < V; v++) {
            System.arraycopy(row, 0, table, v * D, D);
        }
        long[] rows = assertSameAsFullOnOneTwoThreeThreads(table, DType.BF16, gaussian(r, D, 1f));
        assertEquals(V, rows[0]);
    }

    @Test
    void f32TablesAreScreenedToo() {
        Random r = new Random(5);
        assertSameAsFullOnOneTwoThreeThreads(gaussian(r, V * D, 0.05f), DType.F32, gaussian(r, D, 1f));
    }

    @Test
    void nonFiniteActivationsOrRowsComputeEveryRow() {
        Random r = new Random(6);
        float[] table = gaussian(r, V * D, 0.05f);
        float[] x = gaussian(r, D, 1f);
        x[17] = Float.NaN;
        long[] full = assertSameAsFullOnOneTwoThreeThreads(table, DType.BF16, x);
        assertEquals(1 + MASKS + KS.length, full[2], "every call is a full pass");
        x[17] = 1f;
        table[44 * D + 3] = Float.POSITIVE_INFINITY;
        full = assertSameAsFullOnOneTwoThreeThreads(table, DType.BF16, x);
        // Masks that leave row 44 out never bound it and are screened; the one that lets it in is not, nor the empty one.
        assertEquals(1 + 2 + KS.length, full[2], "every call that can meet row 44 is a full pass");
    }

    @Test
    void kPastTheScreensLimitComputesEveryRow() {
        Random r = new Random(7);
        int v = ScreenCall.MAX_K + 30;
        float[] table = gaussian(r, v * D, 0.05f);
        float[] x = gaussian(r, D, 1f);
        try (CpuDevice device = CpuDevice.open(DeviceOptions.defaults().withThreads(2));
             Screened s = Screened.of(device, table, DType.BF16, x);
             Tensor values = device.allocate(TensorSpec.f32(ScreenCall.MAX_K + 1));
             Tensor ids = device.allocate(TensorSpec.of(DType.UINT32, ScreenCall.MAX_K + 1));
             Tensor fullValues = device.allocate(TensorSpec.f32(ScreenCall.MAX_K + 1));
             Tensor fullIds = device.allocate(TensorSpec.of(DType.UINT32, ScreenCall.MAX_K + 1))) {
            device.ops().screenedTopK(s.x, s.table, s.logits, ScreenCall.MAX_K + 1, values, ids);
            device.ops().outputProjection(s.x, s.table.table(), s.logits);
            device.ops().topK(s.logits, ScreenCall.MAX_K + 1, fullValues, fullIds);
            assertArrayEquals(ints(fullIds), ints(ids));
            assertArrayEquals(bits(floats(fullValues)), bits(floats(values)));
        }
    }

    @Test
    void screensOfTheWrongShapeOrTypeAreRefusedByName() {
        Random r = new Random(8);
        float[] table = gaussian(r, V * D, 0.05f);
        try (CpuDevice device = CpuDevice.open(DeviceOptions.defaults().withThreads(1));
             Screened s = Screened.of(device, table, DType.BF16, gaussian(r, D, 1f));
             Tensor shortScales = device.allocate(TensorSpec.f32(V - 1));
             Tensor floatCodes = device.allocate(TensorSpec.f32(V, D))) {
            ScreenedTable badScales = new ScreenedTable(s.table.table(), s.table.codes(), shortScales,
                    s.table.rowBounds());
            BackendException e = assertThrows(BackendException.class,
                    () -> device.ops().screenedArgmax(s.x, badScales, s.logits, s.out));
            assertTrue(e.getMessage().contains("rowScales"), e.getMessage());
            ScreenedTable badCodes = new ScreenedTable(s.table.table(), floatCodes, s.table.rowScales(),
                    s.table.rowBounds());
            e = assertThrows(BackendException.class,
                    () -> device.ops().screenedTopK(s.x, badCodes, s.logits, 3, s.logits, s.out));
            assertTrue(e.getMessage().contains("codes"), e.getMessage());
            try (Tensor shortMask = device.allocate(TensorSpec.of(DType.UINT32, (V + 31) / 32 - 1));
                 Tensor floatMask = device.allocate(TensorSpec.f32((V + 31) / 32))) {
                for (Tensor bad : new Tensor[] {shortMask, floatMask}) {
                    e = assertThrows(BackendException.class,
                            () -> device.ops().screenedArgmaxAllowed(s.x, s.table, bad, s.logits, s.out));
                    assertTrue(e.getMessage().contains("allowed"), e.getMessage());
                }
            }
        }
    }

    /**
     * Screened argmax and top-k for each of {@link #KS} against the full projection, on 1, 2 and 3
     * threads; the rows recomputed and full passes must not depend on the thread count. Returns
     * the 1-thread {argmax rows recomputed, all rows recomputed, full passes over both calls of
     * everything}.
     */
    private static long[] assertSameAsFullOnOneTwoThreeThreads(float[] table, DType type, float[] x) {
        List<long[]> stats = new ArrayList<>();
        for (int threads = 1; threads <= 3; threads++) {
            try (CpuDevice device = CpuDevice.open(DeviceOptions.defaults().withThreads(threads));
                 Screened s = Screened.of(device, table, type, x)) {
                long[] before = device.screenStatistics();
                device.ops().screenedArgmax(s.x, s.table, s.logits, s.out);
                int screened = ints(s.out)[0];
                long argmaxRows = device.screenStatistics()[1] - before[1];
                device.ops().outputProjection(s.x, s.table.table(), s.logits);
                device.ops().argmax(s.logits, s.out);
                assertEquals(ints(s.out)[0], screened, "argmax on " + threads + " threads");
                float[] full = floats(s.logits);
                long maskedRows = 0;
                for (int m = 0; m < MASKS; m++) {
                    int[] words = mask(m, V, full);
                    long rowsBefore = device.screenStatistics()[1];
                    try (Tensor allowed = device.upload(TensorSpec.of(DType.UINT32, words.length),
                            MemorySegment.ofArray(words))) {
                        device.ops().screenedArgmaxAllowed(s.x, s.table, allowed, s.logits, s.out);
                    }
                    int chosen = ints(s.out)[0];
                    int expected = maskedArgmax(full, words);
                    if (chosen == TransformerOps.UNDECIDED) {
                        assertArrayEquals(bits(full), bits(floats(s.logits)),
                                "mask " + m + " on " + threads + " threads: undecided, so every logit in full");
                        chosen = maskedArgmax(floats(s.logits), words);
                    }
                    assertEquals(expected, chosen, "mask " + m + " on " + threads + " threads");
                    maskedRows += device.screenStatistics()[1] - rowsBefore;
                }
                for (int k : KS) {
                    try (Tensor values = device.allocate(TensorSpec.f32(k));
                         Tensor ids = device.allocate(TensorSpec.of(DType.UINT32, k));
                         Tensor fullValues = device.allocate(TensorSpec.f32(k));
                         Tensor fullIds = device.allocate(TensorSpec.of(DType.UINT32, k))) {
                        device.ops().screenedTopK(s.x, s.table, s.logits, k, values, ids);
                        device.ops().outputProjection(s.x, s.table.table(), s.logits);
                        device.ops().topK(s.logits, k, fullValues, fullIds);
                        assertArrayEquals(ints(fullIds), ints(ids), "top-" + k + " ids on " + threads + " threads");
                        assertArrayEquals(bits(floats(fullValues)), bits(floats(values)),
                                "top-" + k + " values on " + threads + " threads");
                    }
                }
                long[] after = device.screenStatistics();
                stats.add(new long[] {argmaxRows, after[1] - before[1], after[2] - before[2], screened, maskedRows});
            }
        }
        for (int t = 1; t < stats.size(); t++) {
            assertArrayEquals(stats.get(0), stats.get(t), "rows recomputed on " + (t + 1) + " threads");
        }
        return new long[] {stats.get(0)[0], stats.get(0)[1], stats.get(0)[2]};
    }

    /** Row masks {@link #assertSameAsFullOnOneTwoThreeThreads} tries. */
    private static final int MASKS = 5;

    /**
     * Mask {@code m} over {@code v} rows, one bit a row: every row but the full argmax (so the
     * screen must find the runner-up), every fifth row, three scattered rows, one row in the
     * vocabulary's last, partial word, and none.
     */
    private static int[] mask(int m, int v, float[] full) {
        int best = maskedArgmax(full, null);
        int[] words = new int[(v + 31) / 32];
        for (int r = 0; r < v; r++) {
            boolean allowed = switch (m) {
                case 0 -> r != best;
                case 1 -> r % 5 == 2;
                case 2 -> r == 3 || r == v / 2 || r == v - 40;
                case 3 -> r == v - 1;
                default -> false;
            };
            if (allowed) {
                words[r >>> 5] |= 1 << (r & 31);
            }
        }
        return words;
    }

    /** The first allowed row of largest logit (every row where {@code words} is null), or -1 for none. */
    private static int maskedArgmax(float[] logits, int[] words) {
        int best = -1;
        for (int r = 0; r < logits.length; r++) {
            boolean allowed = words == null || (words[r >>> 5] >>> (r & 31) & 1) != 0;
            if (allowed && (best < 0 || logits[r] > logits[best])) {
                best = r;
            }
        }
        return best;
    }

    private static int coarseArgmax(float[] table, float[] x) {
        int best = -1;
        double value = 0;
        byte[] q = new byte[D];
        float[] w = Host.roundBf16(table);
        for (int v = 0; v < V; v++) {
            float s = LogitScreen.screenRow(w, v * D, D, q, 0)[0];
            double a = 0;
            for (int i = 0; i < D; i++) {
                a += (double) x[i] * q[i];
            }
            a *= s;
            if (best < 0 || a > value) {
                best = v;
                value = a;
            }
        }
        return best;
    }

    /** Scalar reference: the argmax of the bf16 table's logits, summed in double. */
    private static int fullArgmax(float[] table, float[] x) {
        float[] w = Host.roundBf16(table);
        int best = -1;
        double value = 0;
        for (int v = 0; v < V; v++) {
            double a = 0;
            for (int i = 0; i < D; i++) {
                a += (double) x[i] * w[v * D + i];
            }
            if (best < 0 || a > value) {
                best = v;
                value = a;
            }
        }
        return best;
    }

    /** A device table with its screen built by {@link LogitScreen} from the values the device holds, and the op's buffers. */
    private record Screened(ScreenedTable table, Tensor x, Tensor logits, Tensor out) implements AutoCloseable {
        static Screened of(CpuDevice device, float[] values, DType type, float[] x) {
            int v = values.length / D;
            float[] held = type == DType.BF16 ? Host.roundBf16(values) : values.clone();
            byte[] codes = new byte[values.length];
            float[] scales = new float[v];
            float[] bounds = new float[v];
            for (int row = 0; row < v; row++) {
                float[] sb = LogitScreen.screenRow(held, row * D, D, codes, row * D);
                scales[row] = sb[0];
                bounds[row] = sb[1];
            }
            Tensor t = type == DType.BF16 ? Host.bf16(device, values, v, D) : f32(device, values, v, D);
            ScreenedTable table = new ScreenedTable(t,
                    device.upload(TensorSpec.of(DType.INT8, v, D), MemorySegment.ofArray(codes)),
                    f32(device, scales, v), f32(device, bounds, v));
            return new Screened(table, f32(device, x, 1, D), device.allocate(TensorSpec.f32(1, v)),
                    device.allocate(TensorSpec.of(DType.UINT32, 1)));
        }

        @Override
        public void close() {
            table.closeScreen();
            table.table().close();
            x.close();
            logits.close();
            out.close();
        }
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }

    private static float[] gaussian(Random r, int n, float sd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * sd);
        }
        return v;
    }
}
