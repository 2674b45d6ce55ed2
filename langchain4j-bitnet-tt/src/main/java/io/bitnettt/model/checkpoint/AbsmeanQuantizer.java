package io.bitnettt.model.checkpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;

/**
 * Turns a master weight (the -bf16 repo, {@code quantization_mode: online}) into packed ternary
 * with the absmean rule of spec §2.2, which is what HF's online AutoBitLinear does on every forward:
 * {@code s_w = 1/max(mean|W|, 1e-5)} over the whole tensor in fp32,
 * {@code T = clamp(round_half_even(W·s_w), −1, 1)}, dequantized as {@code T / s_w}.
 */
public final class AbsmeanQuantizer {

    static final float MIN_MEAN = 1e-5f;

    private AbsmeanQuantizer() {
    }

    /**
     * mean|W| in fp32. Rows are summed in parallel in double, then the row sums in order, so the
     * result is the same on any number of cores.
     */
    public static float meanAbs(HostTensor w) {
        long n = w.elementCount();
        long[] shape = w.shape();
        int cols = shape.length == 0 ? 1 : Math.toIntExact(shape[shape.length - 1]);
        int rows = cols == 0 ? 0 : Math.toIntExact(n / cols);
        double[] rowSums = new double[rows];
        IntStream.range(0, rows).parallel().forEach(r -> {
            double sum = 0;
            for (long i = (long) r * cols, end = i + cols; i < end; i++) {
                sum += Math.abs(w.get(i));
            }
            rowSums[r] = sum;
        });
        double sum = 0;
        for (double s : rowSums) {
            sum += s;
        }
        return (float) (sum / n);
    }

    /** The ternary value of one master weight given {@code s_w}. */
    public static int ternary(float w, float sw) {
        float x = (float) Math.rint(w * sw);
        return (int) Math.max(-1f, Math.min(1f, x));
    }

    /**
     * Quantizes {@code w}, shaped {@code [out, in]}, into a packed tensor allocated in {@code arena}.
     * The scale is {@code 1/s_w}, the factor HF's fake quantization divides by. Rows are processed
     * on the common pool, so {@code arena} and {@code w}'s memory must not be thread-confined.
     */
    public static PackedTernary quantize(HostTensor w, long out, long in, Arena arena) {
        float sw = 1f / Math.max(meanAbs(w), MIN_MEAN);
        long p = out / 4;
        MemorySegment packed = arena.allocate(p * in, 8);
        // Each packed row depends only on its four source rows, so rows quantize independently.
        IntStream.range(0, Math.toIntExact(p)).parallel().forEach(row -> {
            long r = row;
            for (long c = 0; c < in; c++) {
                int b = 0;
                for (int i = 0; i < 4; i++) {
                    b |= (ternary(w.get((i * p + r) * in + c), sw) + 1) << (2 * i);
                }
                packed.set(ValueLayout.JAVA_BYTE, r * in + c, (byte) b);
            }
        });
        return new PackedTernary(out, in, packed, 1f / sw);
    }
}
