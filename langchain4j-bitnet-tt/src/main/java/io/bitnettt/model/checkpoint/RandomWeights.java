package io.bitnettt.model.checkpoint;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.safetensors.HalfFloats;

import java.util.SplittableRandom;

/**
 * Seeded random weights with the statistics of a real BitNet checkpoint: ternary values about a
 * third each of −1, 0, 1; scales of 0.5–2 / √in; norms near 1; a small near-normal embedding.
 * Every row comes from its own generator, seeded from (seed, tensor, row), so rows can be asked
 * for in any order and always come out the same, which lets a test regenerate what was written.
 */
public final class RandomWeights implements WeightSource {

    private final long seed;
    private final ModelConfig config;

    public RandomWeights(ModelConfig config, long seed) {
        this.config = config;
        this.seed = seed;
    }

    private SplittableRandom rng(long kind, long layer, long index, long row) {
        long h = seed;
        h = mix(h ^ kind);
        h = mix(h ^ layer);
        h = mix(h ^ index);
        h = mix(h ^ row);
        return new SplittableRandom(h);
    }

    /** The finalizer of SplitMix64: spreads nearby inputs over the whole 64-bit space. */
    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void ternaryRow(int layer, Projection p, int row, byte[] out) {
        SplittableRandom r = rng(1, layer, p.ordinal(), row);
        int i = 0;
        while (i < out.length) {
            long bits = r.nextLong();
            // Two 32-bit draws per long, each mapped to {0,1,2} by a multiply-shift.
            out[i++] = (byte) ((((bits & 0xFFFFFFFFL) * 3) >>> 32) - 1);
            if (i < out.length) {
                out[i++] = (byte) ((((bits >>> 32) * 3) >>> 32) - 1);
            }
        }
    }

    @Override
    public float weightScale(int layer, Projection p) {
        double u = rng(2, layer, p.ordinal(), 0).nextDouble();
        float s = (float) ((0.5 + 1.5 * u) / Math.sqrt(p.inFeatures(config)));
        return HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(s));
    }

    @Override
    public void masterRow(int layer, Projection p, int row, float[] out) {
        SplittableRandom r = rng(3, layer, p.ordinal(), row);
        float std = (float) (1.0 / Math.sqrt(p.inFeatures(config)));
        for (int i = 0; i < out.length; i++) {
            out[i] = std * normal(r);
        }
    }

    @Override
    public void norm(int layer, LayerNorm n, float[] out) {
        SplittableRandom r = rng(4, layer, n.ordinal(), 0);
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (1.0 + 0.1 * (r.nextDouble() - 0.5));
        }
    }

    @Override
    public void finalNorm(float[] out) {
        norm(-1, LayerNorm.INPUT, out);
    }

    @Override
    public void embeddingRow(int token, float[] out) {
        SplittableRandom r = rng(5, 0, 0, token);
        for (int i = 0; i < out.length; i++) {
            out[i] = 0.02f * normal(r);
        }
    }

    @Override
    public void lmHeadRow(int token, float[] out) {
        SplittableRandom r = rng(6, 0, 0, token);
        for (int i = 0; i < out.length; i++) {
            out[i] = 0.02f * normal(r);
        }
    }

    /** Irwin–Hall with four 16-bit uniforms from one draw: close enough to N(0,1) and far cheaper. */
    private static float normal(SplittableRandom r) {
        long b = r.nextLong();
        int sum = (int) (b & 0xFFFF) + (int) ((b >>> 16) & 0xFFFF) + (int) ((b >>> 32) & 0xFFFF) + (int) (b >>> 48);
        return (float) ((sum / 65536.0 - 2.0) * Math.sqrt(3.0));
    }
}
