package io.bitnettt.tt;

import io.bitnettt.cpu.kernel.ScalarKernels;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.spi.TransformerOps;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The decode step's int8 activation codes (one moreh_norm absmax and one divide with the 127 and round
 * fused, written as FLOAT32 so that binary_ng runs with a 32-bit dest; native/shim/src/recipe.cpp) against
 * the CPU golden's quantizer ({@link ScalarKernels#quantize}: {@code round_half_even(x * (127 / max(absmax,
 * 1e-5)))}), exhaustively
 * over the inputs the step quantizes: every bfloat16 absmax mantissa, and every bfloat16 x up to it whose
 * code can be non-zero. One binade of absmax covers all of them: scaling x and absmax by a power of two
 * scales every intermediate exactly.
 *
 * <p>The codes are read through the decode step itself: a token's row from the embedding (bf16, as the
 * norm outputs the step quantizes are), a ternary linear with the identity matrix (exact: each output is
 * one code times one), read back as {@code code * absmax / 127} and turned back into the code.
 *
 * <p>Result: the codes equal the golden's except at 28 of the 508 exact ties (x * 127 / absmax = n + 1/2),
 * each off by one: the device rounds x / a and then the product with 127, the golden 127 / a and then
 * x * s, and at an exact tie the last ulp decides which way it goes. The dequantized value is then off by
 * exactly the golden's own rounding error, in the other direction. A real card's SFPU division is refined
 * (Markstein) but not documented as correctly rounded, so there the ties may go either way too; the test
 * pins the host double's count so that a change in the recipe's order or dtypes shows.
 *
 * <p>The host double models binary_ng's dest as a card sets it up: with bf16 operands and a bf16 output
 * the dest is 16-bit, the SFPU product is rounded to bf16 before the fused ROUND (ckernel_sfpu_binary.h)
 * and an operand's activations are packed in its own format. The step's former form, a bf16 multiply by
 * {@code recip(a) * 127} built on the absmax operand, gives 18,577 differing codes here (18,515 away from
 * any tie, each by one): what a card would have computed, which the double did not show before it
 * modelled the dest.
 */
class QuantizationCodesTest {
    private static final int HIDDEN = 128;
    /** x exponents below the absmax's: from 2^-9 on, |x * 127 / a| < 0.5 and every code is 0 on both sides. */
    private static final int EXPONENTS = 10;

    @Test
    void deviceCodesEqualTheGoldensExceptAt28ExactTiesEachOffByOne() {
        List<float[]> rows = new ArrayList<>();
        for (int m = 0; m < 128; m++) {
            float a = bf16(0, m);
            List<Float> xs = new ArrayList<>();
            for (int e = -EXPONENTS + 1; e <= 0; e++) {
                for (int xm = 0; xm < 128; xm++) {
                    float x = bf16(e, xm);
                    if (x <= a) {
                        xs.add(x);
                        xs.add(-x);
                    }
                }
            }
            // Each row: the absmax first, then HIDDEN - 1 of the x values (the last row padded with zeros).
            for (int from = 0; from < xs.size(); from += HIDDEN - 1) {
                float[] row = new float[HIDDEN];
                row[0] = a;
                for (int i = 1; i < HIDDEN && from + i - 1 < xs.size(); i++) {
                    row[i] = xs.get(from + i - 1);
                }
                rows.add(row);
            }
        }
        float[] table = new float[rows.size() * HIDDEN];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(rows.get(r), 0, table, r * HIDDEN, HIDDEN);
        }
        byte[] identity = new byte[HIDDEN * HIDDEN];
        for (int i = 0; i < HIDDEN; i++) {
            identity[i * HIDDEN + i] = 1;
        }
        int compared = 0, ties = 0, differing = 0, offTie = 0, worst = 0;
        String firstOffTie = null;
        try (TenstorrentDevice d = Emulator.open();
             Tensor t = Host.bf16(d, table, rows.size(), HIDDEN);
             Tensor w = Host.ternary(d, identity, HIDDEN, HIDDEN, 1.0f);
             Tensor id = d.allocate(TensorSpec.of(DType.UINT32, 1));
             Tensor x = d.allocate(TensorSpec.f32(1, HIDDEN).withPlacement(MemoryPlacement.DEVICE_L1));
             Tensor y = d.allocate(TensorSpec.f32(1, HIDDEN).withPlacement(MemoryPlacement.DEVICE_L1))) {
            TransformerOps ops = d.ops();
            MemorySegment one = MemorySegment.ofArray(new int[1]);
            float[] out = new float[HIDDEN];
            for (int r = 0; r < rows.size(); r++) {
                one.set(ValueLayout.JAVA_INT, 0, r);
                id.upload(one);
                ops.embedding(t, id, x);
                ops.ternaryLinear(x, w, y);
                y.download(MemorySegment.ofArray(out));
                float[] row = rows.get(r);
                float a = row[0];
                float s = ScalarKernels.quantScale(row, 0, HIDDEN);
                for (int i = 0; i < HIDDEN; i++) {
                    int golden = ScalarKernels.quantize(row[i], s);
                    // out = code * a / 127 in bf16 (8 significant bits): the code comes back exactly.
                    int device = (int) Math.rint(out[i] * 127.0 / a);
                    boolean tie = exactTie(row[i], a);
                    compared++;
                    ties += tie ? 1 : 0;
                    if (device != golden) {
                        differing++;
                        if (!(tie && Math.abs(device - golden) == 1)) {
                            offTie++;
                            worst = Math.max(worst, Math.abs(device - golden));
                            if (firstOffTie == null) {
                                firstOffTie = "x " + row[i] + ", absmax " + a + ": device " + device + ", golden " + golden
                                        + (tie ? "" : " (not a tie)");
                            }
                        }
                    }
                }
            }
            assertTrue(d.opStats().getOrDefault("op:ttnn::moreh_norm", 0L) >= rows.size(),
                    "the decode step's quantization ran: " + d.opStats());
        }
        System.out.printf("QuantizationCodesTest: %d codes compared, %d exact ties, %d differ, %d of them not a tie-by-one (largest difference %d; first: %s)%n",
                compared, ties, differing, offTie, worst, firstOffTie);
        assertEquals(0, offTie, "codes that differ other than by one at an exact tie: " + offTie + ", first " + firstOffTie);
        // 2 signs x 10 exponents x 128 mantissas of x per absmax, up to the absmax, plus the absmax itself per
        // row and the zero padding of each absmax's last row.
        assertEquals(rows.size() * HIDDEN, compared);
        assertEquals(508, ties, "exact ties over the bfloat16 grid");
        assertEquals(28, differing, "codes that differ from the golden's (all at exact ties, each by one)");
    }

    /** x * 127 / a = n + 1/2 exactly: 254 x = (2n + 1) a, all exact in double for bfloat16 x and a. */
    private static boolean exactTie(float x, float a) {
        double twice = 254.0 * x;
        long k = Math.round(twice / a);
        return (k & 1) == 1 && k * (double) a == twice;
    }

    /** The bfloat16 value 1.m x 2^e (m the 7 explicit mantissa bits). */
    private static float bf16(int e, int m) {
        return Float.intBitsToFloat(((127 + e) << 23) | (m << 16));
    }
}
