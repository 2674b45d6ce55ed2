package io.bitnettt.engine;

/**
 * The numbers the forward pass needs, taken from {@code config.json} plus the context length the
 * user chose (which sizes the KV cache).
 */
public record ModelDims(int vocabSize, int hidden, int intermediate, int layers, int heads, int kvHeads,
                        int headDim, float rmsNormEps, double ropeTheta, int contextLength) {
    public ModelDims {
        if (heads * headDim != hidden) {
            throw new IllegalArgumentException("heads (" + heads + ") x headDim (" + headDim + ") != hidden (" + hidden + ")");
        }
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("kvHeads (" + kvHeads + ") must divide heads (" + heads + ")");
        }
        if (contextLength <= 0) {
            throw new IllegalArgumentException("context length must be positive, was " + contextLength);
        }
    }

    /** The dimensions of {@code config} with a KV cache of {@code contextLength} tokens. */
    public static ModelDims of(io.bitnettt.model.ModelConfig config, int contextLength) {
        return new ModelDims(config.vocabSize(), config.hiddenSize(), config.intermediateSize(), config.numHiddenLayers(),
                config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(), (float) config.rmsNormEps(),
                config.ropeTheta(), contextLength);
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public ModelDims withContextLength(int n) {
        return new ModelDims(vocabSize, hidden, intermediate, layers, heads, kvHeads, headDim, rmsNormEps, ropeTheta, n);
    }
}
