package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal attention of one query head against cache rows {@code 0..last}, with a numerically stable
 * softmax (the max is subtracted before exp) in F32.
 */
public final class AttentionKernel {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private AttentionKernel() {
    }

    /**
     * @param qOff     byte offset of this head's query
     * @param kvOff    byte offset of the kv head's slice within a cache row
     * @param rowBytes bytes per cache row ({@code Hkv·D·4})
     * @param scores   scratch of at least {@code last+1} floats
     * @param acc      scratch of at least {@code dim} floats
     * @param outOff   byte offset of this head's output
     */
    public static void head(MemorySegment q, long qOff, MemorySegment k, MemorySegment v, long kvOff, long rowBytes,
                            int last, int dim, float scale, float[] scores, float[] acc, MemorySegment out, long outOff) {
        int full = dim - dim % F.length();
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j <= last; j++) {
            long ko = j * rowBytes + kvOff;
            FloatVector dot = FloatVector.zero(F);
            int i = 0;
            for (; i < full; i += F.length()) {
                dot = FloatVector.fromMemorySegment(F, q, qOff + 4L * i, ORDER)
                        .fma(FloatVector.fromMemorySegment(F, k, ko + 4L * i, ORDER), dot);
            }
            float s = LaneSum.of(dot);
            for (; i < dim; i++) {
                s += q.get(ValueLayout.JAVA_FLOAT, qOff + 4L * i) * k.get(ValueLayout.JAVA_FLOAT, ko + 4L * i);
            }
            s *= scale;
            scores[j] = s;
            max = Math.max(max, s);
        }
        float sum = 0f;
        for (int j = 0; j <= last; j++) {
            float e = (float) Math.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }
        java.util.Arrays.fill(acc, 0, dim, 0f);
        for (int j = 0; j <= last; j++) {
            long vo = j * rowBytes + kvOff;
            float p = scores[j];
            int i = 0;
            for (; i < full; i += F.length()) {
                FloatVector.fromMemorySegment(F, v, vo + 4L * i, ORDER)
                        .fma(FloatVector.broadcast(F, p), FloatVector.fromArray(F, acc, i))
                        .intoArray(acc, i);
            }
            for (; i < dim; i++) {
                acc[i] += p * v.get(ValueLayout.JAVA_FLOAT, vo + 4L * i);
            }
        }
        float inv = 1f / sum;
        for (int i = 0; i < dim; i++) {
            out.set(ValueLayout.JAVA_FLOAT, outOff + 4L * i, acc[i] * inv);
        }
    }
}
