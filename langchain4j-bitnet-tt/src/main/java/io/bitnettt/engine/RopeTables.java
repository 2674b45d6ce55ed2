package io.bitnettt.engine;

/**
 * Rotary cos/sin tables in the Hugging Face {@code rotate_half} form: row p holds
 * {@code cos(p·f_i)} for i in 0..D-1 where {@code f_i = θ^(-2(i mod D/2)/D)}, i.e. the frequencies
 * repeated twice, so dims i and i + D/2 share a frequency.
 */
public final class RopeTables {
    private RopeTables() {
    }

    /** Returns {cos, sin}, each {@code positions × headDim} row-major. */
    public static float[][] compute(int positions, int headDim, double theta) {
        int half = headDim / 2;
        float[] cos = new float[positions * headDim];
        float[] sin = new float[positions * headDim];
        double[] invFreq = new double[half];
        for (int i = 0; i < half; i++) {
            // Same float32 rounding of the frequency as torch's inv_freq tensor.
            invFreq[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
        }
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                // torch computes the angle in float32 (position * inv_freq) before cos/sin.
                float angle = (float) p * (float) invFreq[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * headDim + i] = c;
                cos[p * headDim + i + half] = c;
                sin[p * headDim + i] = s;
                sin[p * headDim + i + half] = s;
            }
        }
        return new float[][] {cos, sin};
    }
}
