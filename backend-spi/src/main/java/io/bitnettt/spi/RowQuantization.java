package io.bitnettt.spi;

/**
 * The int8 per-row quantization of an output table, shared by every backend and the engine so a
 * table quantized once on the host means the same thing on any device.
 *
 * <p>Rule, per row r of {@code [V, d]}: {@code scale_r = max_i |w_ri| / 127} (in float), and
 * {@code q_ri = clamp(roundHalfEven(w_ri / scale_r), -127, 127)} with the division in float. An
 * all-zero row gets {@code scale_r = 0} and {@code q = 0}. -128 is never produced, so the code range
 * is symmetric. Dequantized {@code scale_r · q_ri} differs from {@code w_ri} by at most
 * {@code scale_r / 2} (plus float rounding of the division), hence a logit
 * {@code Σ x_i · w_ri} moves by at most {@code Σ |x_i| · scale_r / 2}.
 */
public final class RowQuantization {
    /** Largest code magnitude. */
    public static final int MAX_CODE = 127;

    private RowQuantization() {
    }

    /**
     * Quantizes {@code w[wOff .. wOff+n)} into {@code q[qOff .. qOff+n)} and returns the row's scale.
     */
    public static float quantizeRow(float[] w, int wOff, int n, byte[] q, int qOff) {
        float max = 0f;
        for (int i = 0; i < n; i++) {
            float a = Math.abs(w[wOff + i]);
            if (!(a <= Float.MAX_VALUE)) {
                throw new IllegalArgumentException("row quantization: element " + i + " is " + w[wOff + i]
                        + ", expected a finite value");
            }
            max = Math.max(max, a);
        }
        float scale = max / MAX_CODE;
        for (int i = 0; i < n; i++) {
            q[qOff + i] = scale == 0f ? 0 : code(w[wOff + i] / scale);
        }
        return scale;
    }

    private static byte code(float v) {
        return (byte) Math.max(-MAX_CODE, Math.min(MAX_CODE, (int) Math.rint(v)));
    }
}
