package io.bitnettt.spi;

/**
 * The arithmetic of an exact coarse-to-fine output projection (see
 * {@link TransformerOps#screenedArgmax}): a row's int8 logit, computed in float, differs from the
 * logit the full-precision kernel computes from the BF16 row by at most {@code ‖x‖₂ · C_r}, where
 * {@code C_r = rowBound(...)} is fixed per row when the table is loaded.
 *
 * <p>Why: for row {@code w} with codes {@code q} and scale {@code s} (so {@code δ = w − s·q}) and
 * activation {@code x}, with {@code T = Σ x_i w_i} the real dot product,
 * <ul>
 *   <li>quantization: {@code |T − s·Σ x_i q_i| = |Σ x_i δ_i| ≤ ‖x‖₂ ‖δ‖₂} (Cauchy–Schwarz);</li>
 *   <li>the full kernel's float sum of {@code n} products, in any order, with or without fused
 *       multiply-adds, is within {@code γ_n Σ |x_i w_i| ≤ γ_n ‖x‖₂ ‖w‖₂} of {@code T}, where
 *       {@code γ_n = n·u / (1 − n·u)}, {@code u = 2^-24} (Higham, <i>Accuracy and Stability of
 *       Numerical Algorithms</i>, §3.1);</li>
 *   <li>the coarse kernel's float sum and its final multiply by {@code s} are within
 *       {@code γ_(n+2) · s ‖x‖₂ ‖q‖₂} of {@code s·Σ x_i q_i} by the same argument.</li>
 * </ul>
 * So {@code C_r = ‖δ‖₂ + γ·(‖w‖₂ + s‖q‖₂)} with {@code γ = γ_(n + }{@value #EXTRA_ROUNDINGS}{@code )}
 * (a generous count of roundings, so any lane width or blocking of the kernels is covered). The
 * norms are computed in double, where each is within {@code n·2^-53} of its real value, and
 * {@link #SLACK} on {@code C_r} and {@code ‖x‖₂} covers that and the double arithmetic of the
 * bounds themselves; {@code C_r} is rounded up to float. Those relative bounds assume no result
 * falls below float's normal range; one that does is off by at most {@code 2^-150} absolutely, so
 * {@link #margin} adds {@link #UNDERFLOW} (over {@code 2(n + 64)·2^-150} for any row shorter than
 * {@code 2^40}).
 *
 * <p>A row with a value that is not finite gets {@code C_r = +∞}, which tells a backend to take the
 * full path: no bound holds for it.
 */
public final class LogitScreen {
    /** Roundings allowed beyond one per term: lane trees, even/odd halves, the scale multiply. */
    public static final int EXTRA_ROUNDINGS = 64;
    /** Relative margin on every bound, far above the double rounding of the bound arithmetic. */
    public static final double SLACK = 1e-9;
    /** Absolute allowance for products and sums that land below float's normal range. */
    public static final double UNDERFLOW = 0x1p-100;
    private static final double UNIT_ROUNDOFF = 0x1p-24;

    private LogitScreen() {
    }

    /** {@code γ_(n + EXTRA_ROUNDINGS)} for float dot products of length {@code n}. */
    public static double gamma(int n) {
        double nu = (n + (double) EXTRA_ROUNDINGS) * UNIT_ROUNDOFF;
        if (nu >= 0.5) {
            throw new IllegalArgumentException("rows of " + n + " values are too long for float error bounds");
        }
        return nu / (1 - nu);
    }

    /**
     * Quantizes row {@code w[wOff .. wOff+n)} into {@code q} by {@link RowQuantization#quantizeRow}'s
     * rule when the row is finite, and returns {@code {scale, C_r}}: {@code C_r} rounded up to
     * float, or {@code +∞} (with codes 0 and scale 0) for a row holding a NaN or an infinity.
     */
    public static float[] screenRow(float[] w, int wOff, int n, byte[] q, int qOff) {
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(w[wOff + i])) {
                java.util.Arrays.fill(q, qOff, qOff + n, (byte) 0);
                return new float[] {0f, Float.POSITIVE_INFINITY};
            }
        }
        float scale = RowQuantization.quantizeRow(w, wOff, n, q, qOff);
        return new float[] {scale, rowBound(w, wOff, n, q, qOff, scale)};
    }

    /** {@code C_r} of a finite row already quantized to {@code q} with {@code scale}, rounded up to float. */
    public static float rowBound(float[] w, int wOff, int n, byte[] q, int qOff, float scale) {
        double err = 0;
        double norm = 0;
        double codes = 0;
        for (int i = 0; i < n; i++) {
            double wi = w[wOff + i];
            double qi = q[qOff + i];
            double d = wi - (double) scale * qi; // exact: s·q has at most 31 significant bits
            err += d * d;
            norm += wi * wi;
            codes += qi * qi;
        }
        double c = Math.sqrt(err) + gamma(n) * (Math.sqrt(norm) + scale * Math.sqrt(codes));
        return roundUp(c * (1 + SLACK));
    }

    /**
     * How far a row's full-precision logit can lie from its int8 logit: {@code norm · rowBound}
     * plus {@link #UNDERFLOW}, where {@code norm} comes from {@link #norm}.
     */
    public static double margin(double norm, float rowBound) {
        return norm * rowBound + UNDERFLOW;
    }

    /** {@code ‖x‖₂} of {@code x[off .. off+n)} in double, with {@link #SLACK}: at least the real norm. */
    public static double norm(float[] x, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            double v = x[off + i];
            s += v * v;
        }
        return Math.sqrt(s) * (1 + SLACK);
    }

    /** The float nearest {@code v} from above. */
    static float roundUp(double v) {
        float f = (float) v;
        return f < v ? Math.nextUp(f) : f;
    }
}
