package io.bitnettt.model;

import java.util.List;

/**
 * The architecture numbers of a BitNet b1.58 model, as read from config.json (spec §1). Immutable;
 * every size the engine uses comes from here, never from constants.
 *
 * <p>Instances made by {@link ModelConfigJson#read} are validated; one built by hand can be checked
 * with {@link #validate(String)}.
 */
public record ModelConfig(
        List<String> architectures,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        boolean tieWordEmbeddings,
        int bosTokenId,
        List<Integer> eosTokenIds,
        String hiddenAct,
        QuantizationConfig quantization,
        String torchDtype) {

    public static final String ARCHITECTURE = "BitNetForCausalLM";

    public ModelConfig {
        architectures = List.copyOf(architectures);
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** The shape of microsoft/bitnet-b1.58-2B-4T (packed), for writers and benchmarks. */
    public static ModelConfig bitnet2B4T() {
        return new ModelConfig(List.of(ARCHITECTURE), 128256, 2560, 6912, 30, 20, 5, 128, 4096, 1e-5, 500000.0,
                true, 128000, List.of(128001), "relu2", QuantizationConfig.PACKED, "bfloat16");
    }

    /** A small model of the same structure, for tests: heads of width {@code headDim}. */
    public static ModelConfig tiny(int vocab, int layers, int heads, int kvHeads, int headDim, int intermediate,
                                   boolean tied) {
        return new ModelConfig(List.of(ARCHITECTURE), vocab, heads * headDim, intermediate, layers, heads, kvHeads,
                headDim, 256, 1e-5, 500000.0, tied, 0, List.of(1), "relu2", QuantizationConfig.PACKED, "bfloat16");
    }

    /** Width of the K and V projections: {@code num_key_value_heads × head_dim}. */
    public int kvDim() {
        return numKeyValueHeads * headDim;
    }

    /** Query heads served by one KV head. */
    public int groupSize() {
        return numAttentionHeads / numKeyValueHeads;
    }

    public ModelConfig withQuantization(QuantizationConfig q) {
        return new ModelConfig(architectures, vocabSize, hiddenSize, intermediateSize, numHiddenLayers,
                numAttentionHeads, numKeyValueHeads, headDim, maxPositionEmbeddings, rmsNormEps, ropeTheta,
                tieWordEmbeddings, bosTokenId, eosTokenIds, hiddenAct, q, torchDtype);
    }

    public ModelConfig withTieWordEmbeddings(boolean tied) {
        return new ModelConfig(architectures, vocabSize, hiddenSize, intermediateSize, numHiddenLayers,
                numAttentionHeads, numKeyValueHeads, headDim, maxPositionEmbeddings, rmsNormEps, ropeTheta,
                tied, bosTokenId, eosTokenIds, hiddenAct, quantization, torchDtype);
    }

    /**
     * Checks that the numbers describe a model this engine can run.
     *
     * @param file the name to report in the message
     * @throws CheckpointException naming {@code file}, the field and what was expected
     */
    public ModelConfig validate(String file) {
        if (!architectures.contains(ARCHITECTURE)) {
            throw new CheckpointException(file, "architectures",
                    "expected a list containing \"" + ARCHITECTURE + "\", found " + architectures);
        }
        positive(file, "vocab_size", vocabSize);
        positive(file, "hidden_size", hiddenSize);
        positive(file, "intermediate_size", intermediateSize);
        positive(file, "num_hidden_layers", numHiddenLayers);
        positive(file, "num_attention_heads", numAttentionHeads);
        positive(file, "num_key_value_heads", numKeyValueHeads);
        positive(file, "head_dim", headDim);
        positive(file, "max_position_embeddings", maxPositionEmbeddings);
        if (!(rmsNormEps > 0) || Double.isInfinite(rmsNormEps)) {
            throw new CheckpointException(file, "rms_norm_eps", "expected a finite number > 0, found " + rmsNormEps);
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
            throw new CheckpointException(file, "rope_theta", "expected a finite number > 0, found " + ropeTheta);
        }
        if ((long) numAttentionHeads * headDim != hiddenSize) {
            throw new CheckpointException(file, "head_dim", "expected num_attention_heads (" + numAttentionHeads
                    + ") × head_dim (" + headDim + ") = hidden_size (" + hiddenSize + ")");
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new CheckpointException(file, "num_key_value_heads", "expected a divisor of num_attention_heads ("
                    + numAttentionHeads + "), found " + numKeyValueHeads);
        }
        if (headDim % 2 != 0) {
            // Rotate-half RoPE pairs dimension i with i + head_dim/2.
            throw new CheckpointException(file, "head_dim", "expected an even number, found " + headDim);
        }
        // Packed ternary stores four output rows per byte, so every projection output must split in four.
        divisibleBy4(file, "hidden_size", hiddenSize);
        divisibleBy4(file, "intermediate_size", intermediateSize);
        if (kvDim() % 4 != 0) {
            throw new CheckpointException(file, "num_key_value_heads",
                    "expected num_key_value_heads × head_dim (the k/v projection width, " + kvDim()
                            + ") to be divisible by 4");
        }
        if (!"relu2".equals(hiddenAct)) {
            throw new CheckpointException(file, "hidden_act", "expected \"relu2\", found \"" + hiddenAct + "\"");
        }
        checkTokenId(file, "bos_token_id", bosTokenId);
        for (int eos : eosTokenIds) {
            checkTokenId(file, "eos_token_id", eos);
        }
        return this;
    }

    private void checkTokenId(String file, String field, int id) {
        if (id < 0 || id >= vocabSize) {
            throw new CheckpointException(file, field, "expected a token id in [0, vocab_size=" + vocabSize
                    + "), found " + id);
        }
    }

    private static void positive(String file, String field, int value) {
        if (value <= 0) {
            throw new CheckpointException(file, field, "expected a positive integer, found " + value);
        }
    }

    private static void divisibleBy4(String file, String field, int value) {
        if (value % 4 != 0) {
            throw new CheckpointException(file, field,
                    "expected a multiple of 4 (packed ternary stores 4 output rows per byte), found " + value);
        }
    }
}
