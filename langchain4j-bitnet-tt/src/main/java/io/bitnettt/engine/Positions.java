package io.bitnettt.engine;

import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TransformerOps;

/**
 * The only place prefill and decode differ inside a layer: how positions reach RoPE, the KV cache
 * and attention. Prefill passes a start position directly; decode reads it from a device tensor so
 * the captured step can be replayed after the position is rewritten.
 */
sealed interface Positions {

    void rope(TransformerOps ops, Tensor x, int heads, Tensor cos, Tensor sin);

    void writeCache(TransformerOps ops, Tensor cache, Tensor kv);

    void attend(TransformerOps ops, Tensor q, Tensor kCache, Tensor vCache, int heads, int kvHeads, Tensor out);

    record Block(int start) implements Positions {
        public void rope(TransformerOps ops, Tensor x, int heads, Tensor cos, Tensor sin) {
            ops.rotaryPrefill(x, heads, cos, sin, start);
        }

        public void writeCache(TransformerOps ops, Tensor cache, Tensor kv) {
            ops.kvCacheFill(cache, kv, start);
        }

        public void attend(TransformerOps ops, Tensor q, Tensor kCache, Tensor vCache, int heads, int kvHeads, Tensor out) {
            ops.attentionPrefill(q, kCache, vCache, start, heads, kvHeads, out);
        }
    }

    record Single(Tensor position) implements Positions {
        public void rope(TransformerOps ops, Tensor x, int heads, Tensor cos, Tensor sin) {
            ops.rotaryDecode(x, heads, cos, sin, position);
        }

        public void writeCache(TransformerOps ops, Tensor cache, Tensor kv) {
            ops.kvCacheUpdate(cache, kv, position);
        }

        public void attend(TransformerOps ops, Tensor q, Tensor kCache, Tensor vCache, int heads, int kvHeads, Tensor out) {
            ops.attentionDecode(q, kCache, vCache, position, heads, kvHeads, out);
        }
    }
}
