package io.bitnettt.engine;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.LayerNorm;
import io.bitnettt.model.checkpoint.Projection;
import io.bitnettt.model.checkpoint.WeightSource;

import java.util.SplittableRandom;

/**
 * Seeded weights of a small model for checkpoints written in either form. Unlike
 * {@link io.bitnettt.model.checkpoint.RandomWeights} (a 0.02 embedding scale, as initializations have),
 * the embedding rows have a standard deviation of 0.5, as TinyModel's: logits then spread over a few
 * units, so greedy decoding is decided by margins rather than noise.
 */
final class SeededWeights implements WeightSource {
    private final ModelConfig config;
    private final long seed;

    SeededWeights(ModelConfig config, long seed) {
        this.config = config;
        this.seed = seed;
    }

    private SplittableRandom rng(long kind, long layer, long index, long row) {
        return new SplittableRandom(seed * 1_000_003L + kind * 7_919L + layer * 104_729L + index * 1_299_709L + row);
    }

    private static float bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    @Override
    public void ternaryRow(int layer, Projection p, int row, byte[] out) {
        SplittableRandom r = rng(1, layer, p.ordinal(), row);
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (r.nextInt(3) - 1);
        }
    }

    @Override
    public float weightScale(int layer, Projection p) {
        double u = rng(2, layer, p.ordinal(), 0).nextDouble();
        return bf16((float) ((2 + 2 * u) / Math.sqrt(p.inFeatures(config))));
    }

    @Override
    public void masterRow(int layer, Projection p, int row, float[] out) {
        SplittableRandom r = rng(3, layer, p.ordinal(), row);
        double std = 3.0 / Math.sqrt(p.inFeatures(config));
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (std * r.nextGaussian());
        }
    }

    @Override
    public void norm(int layer, LayerNorm n, float[] out) {
        SplittableRandom r = rng(4, layer, n.ordinal(), 0);
        for (int i = 0; i < out.length; i++) {
            out[i] = bf16((float) (1 + 0.2 * r.nextGaussian()));
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
            out[i] = bf16((float) (0.5 * r.nextGaussian()));
        }
    }
}
