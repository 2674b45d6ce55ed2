package io.bitnettt.model.checkpoint;

/** Hugging Face tensor names of a BitNetForCausalLM checkpoint. */
public final class TensorNames {

    public static final String EMBEDDING = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    private TensorNames() {
    }

    public static String layerPrefix(int layer) {
        return "model.layers." + layer + ".";
    }

    public static String weight(int layer, Projection p) {
        return layerPrefix(layer) + p.module() + ".weight";
    }

    public static String weightScale(int layer, Projection p) {
        return layerPrefix(layer) + p.module() + ".weight_scale";
    }

    public static String norm(int layer, LayerNorm n) {
        return layerPrefix(layer) + n.module() + ".weight";
    }
}
