package io.bitnettt.model.checkpoint;

import io.bitnettt.model.ModelConfig;

/** The seven BitLinear projections of a decoder layer, with their HF tensor names and shapes. */
public enum Projection {
    Q("self_attn.q_proj"),
    K("self_attn.k_proj"),
    V("self_attn.v_proj"),
    O("self_attn.o_proj"),
    GATE("mlp.gate_proj"),
    UP("mlp.up_proj"),
    DOWN("mlp.down_proj");

    private final String module;

    Projection(String module) {
        this.module = module;
    }

    /** The module path inside a layer, e.g. {@code self_attn.q_proj}. */
    public String module() {
        return module;
    }

    /** Output features (rows of the unpacked weight). */
    public int outFeatures(ModelConfig c) {
        return switch (this) {
            case Q -> c.numAttentionHeads() * c.headDim();
            case K, V -> c.kvDim();
            case O, DOWN -> c.hiddenSize();
            case GATE, UP -> c.intermediateSize();
        };
    }

    /** Input features (columns). */
    public int inFeatures(ModelConfig c) {
        return switch (this) {
            case Q, K, V, GATE, UP -> c.hiddenSize();
            case O -> c.numAttentionHeads() * c.headDim();
            case DOWN -> c.intermediateSize();
        };
    }
}
