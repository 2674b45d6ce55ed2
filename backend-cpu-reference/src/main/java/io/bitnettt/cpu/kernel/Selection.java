package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Argmax and top-k over a logits row; ties go to the lower index. */
public final class Selection {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private Selection() {
    }

    /** First index of the largest value: a vector max pass, then a scan for its first occurrence. */
    public static int argmax(MemorySegment x, long off, int n) {
        int full = n - n % F.length();
        float max = Float.NEGATIVE_INFINITY;
        if (full > 0) {
            FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int i = 0; i < full; i += F.length()) {
                m = m.max(FloatVector.fromMemorySegment(F, x, off + 4L * i, ByteOrder.nativeOrder()));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (int i = full; i < n; i++) {
            max = Math.max(max, x.get(ValueLayout.JAVA_FLOAT, off + 4L * i));
        }
        for (int i = 0; i < n; i++) {
            if (x.get(ValueLayout.JAVA_FLOAT, off + 4L * i) == max) {
                return i;
            }
        }
        return 0; // only reachable when every value is NaN
    }

    /**
     * The {@code k} largest values in descending order into {@code values}/{@code indices}. Keeps a
     * sorted list of the best k seen; scanning in index order means an equal value found later
     * ranks after the earlier one, which is the tie rule. NaNs are skipped.
     */
    public static void topK(MemorySegment x, long off, int n, int k, float[] values, int[] indices) {
        int size = 0;
        for (int i = 0; i < n; i++) {
            float v = x.get(ValueLayout.JAVA_FLOAT, off + 4L * i);
            if (Float.isNaN(v) || (size == k && v <= values[k - 1])) {
                continue;
            }
            int pos = size == k ? k - 1 : size++;
            while (pos > 0 && values[pos - 1] < v) {
                values[pos] = values[pos - 1];
                indices[pos] = indices[pos - 1];
                pos--;
            }
            values[pos] = v;
            indices[pos] = i;
        }
        for (int j = size; j < k; j++) {
            values[j] = Float.NaN;
            indices[j] = 0;
        }
    }
}
