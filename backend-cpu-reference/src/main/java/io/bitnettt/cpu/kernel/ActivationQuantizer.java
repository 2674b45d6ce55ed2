package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * BitNet per-token absmax int8 quantization (spec §2.1), writing int16 lanes because the ternary
 * kernels multiply in 16-bit lanes. Vectorized because a decode step quantizes four times per
 * layer and the small k/v/o projections would otherwise spend a visible share of time here.
 */
public final class ActivationQuantizer {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Shorts with as many lanes as {@link #F}, the target of the float-to-short narrowing. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /**
     * 1.5·2^23: adding and subtracting it rounds any |v| &lt; 2^22 to an integer with the FPU's
     * round-half-even, which is exactly torch.round / {@link Math#rint}; |x·s| ≤ 127 here.
     */
    static final float ROUND = 12582912f;
    static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private ActivationQuantizer() {
    }

    /**
     * Quantizes {@code n} floats of {@code x} starting at byte offset {@code xOff} into
     * {@code q[qOff .. qOff+n)} and zeroes {@code q[qOff+n .. qOff+padded)} so padded columns add
     * nothing. Returns the scale {@code s = 127 / max(max|x|, 1e-5)}.
     */
    public static float quantize(MemorySegment x, long xOff, int n, short[] q, int qOff, int padded) {
        int full = n - n % F.length();
        FloatVector m = FloatVector.zero(F);
        for (int k = 0; k < full; k += F.length()) {
            m = m.max(FloatVector.fromMemorySegment(F, x, xOff + 4L * k, ORDER).abs());
        }
        float max = Math.max(1e-5f, m.reduceLanes(VectorOperators.MAX));
        for (int k = full; k < n; k++) {
            max = Math.max(max, Math.abs(x.get(ValueLayout.JAVA_FLOAT, xOff + 4L * k)));
        }
        float s = 127f / max;
        for (int k = 0; k < full; k += F.length()) {
            FloatVector r = FloatVector.fromMemorySegment(F, x, xOff + 4L * k, ORDER).mul(s)
                    .add(ROUND).sub(ROUND)
                    .max(-128f).min(127f);
            ((ShortVector) r.convertShape(VectorOperators.F2S, S, 0)).intoArray(q, qOff + k);
        }
        for (int k = full; k < n; k++) {
            q[qOff + k] = quantizeOne(x.get(ValueLayout.JAVA_FLOAT, xOff + 4L * k), s);
        }
        for (int k = n; k < padded; k++) {
            q[qOff + k] = 0;
        }
        return s;
    }

    /** {@code clamp(roundHalfEven(v·s), -128, 127)}; {@link Math#rint} rounds half to even like torch.round. */
    static short quantizeOne(float v, float s) {
        float r = (float) Math.rint(v * s);
        return (short) Math.max(-128f, Math.min(127f, r));
    }
}
