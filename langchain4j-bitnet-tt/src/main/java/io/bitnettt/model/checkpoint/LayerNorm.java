package io.bitnettt.model.checkpoint;

import io.bitnettt.model.ModelConfig;

/** The four RMSNorm weights of a decoder layer (spec §2). */
public enum LayerNorm {
    INPUT("input_layernorm"),
    POST_ATTENTION("post_attention_layernorm"),
    /** Before o_proj. */
    ATTN_SUB("self_attn.attn_sub_norm"),
    /** Before down_proj. */
    FFN_SUB("mlp.ffn_sub_norm");

    private final String module;

    LayerNorm(String module) {
        this.module = module;
    }

    public String module() {
        return module;
    }

    public int width(ModelConfig c) {
        return this == FFN_SUB ? c.intermediateSize() : c.hiddenSize();
    }
}
