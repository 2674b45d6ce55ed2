package io.bitnettt.model.checkpoint;

/** The host-side weights of one decoder layer. */
public record LayerWeights(
        int index,
        PackedTernary q, PackedTernary k, PackedTernary v, PackedTernary o,
        PackedTernary gate, PackedTernary up, PackedTernary down,
        HostTensor inputNorm, HostTensor postAttentionNorm, HostTensor attnSubNorm, HostTensor ffnSubNorm) {

    public PackedTernary projection(Projection p) {
        return switch (p) {
            case Q -> q;
            case K -> k;
            case V -> v;
            case O -> o;
            case GATE -> gate;
            case UP -> up;
            case DOWN -> down;
        };
    }

    public HostTensor norm(LayerNorm n) {
        return switch (n) {
            case INPUT -> inputNorm;
            case POST_ATTENTION -> postAttentionNorm;
            case ATTN_SUB -> attnSubNorm;
            case FFN_SUB -> ffnSubNorm;
        };
    }
}
