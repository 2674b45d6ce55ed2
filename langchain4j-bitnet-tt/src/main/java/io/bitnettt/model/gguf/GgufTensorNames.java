package io.bitnettt.model.gguf;

import io.bitnettt.model.checkpoint.LayerNorm;
import io.bitnettt.model.checkpoint.Projection;

/**
 * llama.cpp's tensor names for a BitNet model (its {@code LLM_ARCH_BITNET} table, which bitnet.cpp
 * shares), mapped from the engine's {@link Projection}s and {@link LayerNorm}s.
 */
public final class GgufTensorNames {

    public static final String EMBEDDING = "token_embd.weight";
    public static final String FINAL_NORM = "output_norm.weight";
    /** Absent in tied models (every BitNet b1.58 GGUF seen so far): the loader then ties to the embedding. */
    public static final String OUTPUT = "output.weight";

    private GgufTensorNames() {
    }

    public static String weight(int layer, Projection p) {
        return "blk." + layer + "." + switch (p) {
            case Q -> "attn_q";
            case K -> "attn_k";
            case V -> "attn_v";
            case O -> "attn_output";
            case GATE -> "ffn_gate";
            case UP -> "ffn_up";
            case DOWN -> "ffn_down";
        } + ".weight";
    }

    public static String norm(int layer, LayerNorm n) {
        return "blk." + layer + "." + switch (n) {
            case INPUT -> "attn_norm";
            case POST_ATTENTION -> "ffn_norm";
            case ATTN_SUB -> "attn_sub_norm";
            case FFN_SUB -> "ffn_sub_norm";
        } + ".weight";
    }
}
