package io.bitnettt.jmh.ops;

import io.bitnettt.model.ModelConfig;

import java.util.Locale;

/**
 * The ternary projection shapes of BitNet b1.58 2B-4T by name, derived from
 * {@link ModelConfig#bitnet2B4T()} so benchmarks and the report agree on the work per op.
 */
public enum Shapes2B4T {
    /** d → d: the q and o projections. */
    Q,
    /** d → kv heads × head dim: the k and v projections. */
    KV,
    /** d → 2 × ffn: gate and up sharing one quantization of the input. */
    GATEUP,
    /** ffn → d. */
    DOWN;

    public static Shapes2B4T named(String name) {
        for (Shapes2B4T s : values()) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown projection shape '" + name + "'; expected one of q, kv, gateUp, down");
    }

    /** Output features of one matrix (gate/up: of each of the two). */
    public int out(ModelConfig c) {
        return switch (this) {
            case Q, DOWN -> c.hiddenSize();
            case KV -> c.kvDim();
            case GATEUP -> c.intermediateSize();
        };
    }

    public int in(ModelConfig c) {
        return this == DOWN ? c.intermediateSize() : c.hiddenSize();
    }

    /** How many matrices of {@code out × in} one call multiplies. */
    public int matrices() {
        return this == GATEUP ? 2 : 1;
    }

    /** Weights read per token. */
    public long weights(ModelConfig c) {
        return (long) matrices() * out(c) * in(c);
    }

    /** E.g. {@code gateUp 2560→2×6912}. */
    public String label(ModelConfig c) {
        String n = this == GATEUP ? "gateUp" : name().toLowerCase(Locale.ROOT);
        return n + " " + in(c) + "→" + (matrices() > 1 ? matrices() + "×" : "") + out(c);
    }
}
