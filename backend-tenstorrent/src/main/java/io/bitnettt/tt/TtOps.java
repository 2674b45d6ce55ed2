package io.bitnettt.tt;

import io.bitnettt.spi.DType;
import io.bitnettt.spi.OpChecks;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TransformerOps;
import io.bitnettt.tt.ffi.BttDevice;

/**
 * The transformer primitives as ABI calls. Shapes and dtypes are checked here first, so an error
 * names the Java op and the SPI shapes; what only the library can judge (a position read on the
 * device, capacity) comes back as its own message. Fused QKV and gate/up are one
 * {@code btt_ternary_linear} with three or two weights, sharing one quantization of {@code x}.
 */
final class TtOps implements TransformerOps {
    private final TenstorrentDevice device;
    private final OpChecks checks;

    TtOps(TenstorrentDevice device) {
        this.device = device;
        this.checks = new OpChecks(device.backendName());
    }

    // ---- ternary linears ------------------------------------------------------------------

    @Override
    public void ternaryLinear(Tensor x, Tensor w, Tensor out) {
        String op = "ternaryLinear";
        device.requireOpen(op);
        checks.requireLinear(op, x, w, out);
        linear(op, x, new Tensor[] {w}, new Tensor[] {out}, "w");
    }

    @Override
    public void ternaryLinearQkv(Tensor x, Tensor wq, Tensor wk, Tensor wv, Tensor q, Tensor k, Tensor v) {
        String op = "ternaryLinearQkv";
        device.requireOpen(op);
        checks.requireLinear(op, x, wq, q);
        checks.requireLinear(op, x, wk, k);
        checks.requireLinear(op, x, wv, v);
        linear(op, x, new Tensor[] {wq, wk, wv}, new Tensor[] {q, k, v}, "wq", "wk", "wv");
    }

    @Override
    public void ternaryLinearGateUp(Tensor x, Tensor wGate, Tensor wUp, Tensor gate, Tensor up) {
        String op = "ternaryLinearGateUp";
        device.requireOpen(op);
        checks.requireLinear(op, x, wGate, gate);
        checks.requireLinear(op, x, wUp, up);
        linear(op, x, new Tensor[] {wGate, wUp}, new Tensor[] {gate, up}, "wGate", "wUp");
    }

    private void linear(String op, Tensor x, Tensor[] ws, Tensor[] outs, String... names) {
        long[] wh = new long[ws.length];
        long[] oh = new long[ws.length];
        float[] scales = new float[ws.length];
        synchronized (device) {
            long xh = handle(op, "x", x);
            for (int i = 0; i < ws.length; i++) {
                wh[i] = handle(op, names[i], ws[i]);
                oh[i] = handle(op, "out", outs[i]);
                scales[i] = ws[i].quantScale();
            }
            nat(op).ternaryLinear(xh, wh, scales, oh, op);
        }
    }

    // ---- normalization, rotary, caches ----------------------------------------------------

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out) {
        String op = "rmsNorm";
        device.requireOpen(op);
        checks.rmsNorm(op, x, weight, eps, out);
        synchronized (device) {
            nat(op).rmsNorm(handle(op, "x", x), handle(op, "weight", weight), eps, handle(op, "out", out), op);
        }
    }

    @Override
    public void rotaryPrefill(Tensor x, int heads, Tensor cos, Tensor sin, int startPos) {
        String op = "rotaryPrefill";
        device.requireOpen(op);
        checks.rotary(op, x, heads, cos, sin);
        checks.positions(op, "cos", cos, startPos, x.shape().dim(0));
        synchronized (device) {
            nat(op).rotary(handle(op, "x", x), heads, handle(op, "cos", cos), handle(op, "sin", sin), startPos, 0L, op);
        }
    }

    @Override
    public void rotaryDecode(Tensor x, int heads, Tensor cos, Tensor sin, Tensor position) {
        String op = "rotaryDecode";
        device.requireOpen(op);
        checks.rotary(op, x, heads, cos, sin);
        checks.singleToken(op, "x", x);
        checks.positionTensor(op, position);
        synchronized (device) {
            nat(op).rotary(handle(op, "x", x), heads, handle(op, "cos", cos), handle(op, "sin", sin), 0,
                    handle(op, "position", position), op);
        }
    }

    @Override
    public void kvCacheFill(Tensor cache, Tensor kv, int startPos) {
        String op = "kvCacheFill";
        device.requireOpen(op);
        checks.kvCache(op, cache, kv);
        requireF32Cache(op, "cache", cache);
        checks.positions(op, "cache", cache, startPos, kv.shape().dim(0));
        synchronized (device) {
            nat(op).kvCacheUpdate(handle(op, "cache", cache), handle(op, "kv", kv), startPos, 0L, op);
        }
    }

    @Override
    public void kvCacheUpdate(Tensor cache, Tensor kv, Tensor position) {
        String op = "kvCacheUpdate";
        device.requireOpen(op);
        checks.kvCache(op, cache, kv);
        requireF32Cache(op, "cache", cache);
        checks.singleToken(op, "kv", kv);
        checks.positionTensor(op, position);
        synchronized (device) {
            nat(op).kvCacheUpdate(handle(op, "cache", cache), handle(op, "kv", kv), 0, handle(op, "position", position), op);
        }
    }

    /**
     * The shim takes its caches as F32 tensors and stores them in the card's own format (see the shim's
     * README), so a host-side BF16 cache has no meaning here: it is refused by name.
     */
    private void requireF32Cache(String op, String name, Tensor cache) {
        if (cache.dtype() != DType.F32) {
            throw checks.fail(op, name + " " + cache.shape() + " has dtype " + cache.dtype() + ", expected F32: the "
                    + "Tenstorrent backend keeps its KV cache in the card's format and takes F32 cache tensors only "
                    + "(kv cache type f32)");
        }
    }

    // ---- attention ------------------------------------------------------------------------

    @Override
    public void attentionPrefill(Tensor q, Tensor kCache, Tensor vCache, int startPos, int heads, int kvHeads, Tensor out) {
        String op = "attentionPrefill";
        device.requireOpen(op);
        checks.attention(op, q, kCache, vCache, heads, kvHeads, out);
        requireF32Cache(op, "kCache", kCache);
        checks.positions(op, "kCache", kCache, startPos, q.shape().dim(0));
        synchronized (device) {
            nat(op).attention(handle(op, "q", q), handle(op, "kCache", kCache), handle(op, "vCache", vCache), startPos, 0L,
                    heads, kvHeads, handle(op, "out", out), op);
        }
    }

    @Override
    public void attentionDecode(Tensor q, Tensor kCache, Tensor vCache, Tensor position, int heads, int kvHeads,
                                Tensor out) {
        String op = "attentionDecode";
        device.requireOpen(op);
        checks.attention(op, q, kCache, vCache, heads, kvHeads, out);
        requireF32Cache(op, "kCache", kCache);
        checks.singleToken(op, "q", q);
        checks.positionTensor(op, position);
        synchronized (device) {
            nat(op).attention(handle(op, "q", q), handle(op, "kCache", kCache), handle(op, "vCache", vCache), 0,
                    handle(op, "position", position), heads, kvHeads, handle(op, "out", out), op);
        }
    }

    // ---- element-wise ---------------------------------------------------------------------

    @Override
    public void relu2Gate(Tensor gate, Tensor up, Tensor out) {
        String op = "relu2Gate";
        device.requireOpen(op);
        checks.elementwise(op, gate, up, out, "gate", "up");
        synchronized (device) {
            nat(op).relu2Gate(handle(op, "gate", gate), handle(op, "up", up), handle(op, "out", out), op);
        }
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        String op = "add";
        device.requireOpen(op);
        checks.elementwise(op, a, b, out, "a", "b");
        synchronized (device) {
            nat(op).add(handle(op, "a", a), handle(op, "b", b), handle(op, "out", out), op);
        }
    }

    // ---- embedding, logits, sampling ------------------------------------------------------

    @Override
    public void embedding(Tensor table, Tensor ids, Tensor out) {
        String op = "embedding";
        device.requireOpen(op);
        checks.embedding(op, table, ids, out);
        synchronized (device) {
            nat(op).embedding(handle(op, "table", table), handle(op, "ids", ids), handle(op, "out", out), op);
        }
    }

    @Override
    public void outputProjection(Tensor x, Tensor table, Tensor logits) {
        String op = "outputProjection";
        device.requireOpen(op);
        checks.outputProjection(op, x, table, logits);
        synchronized (device) {
            nat(op).outputProjection(handle(op, "x", x), handle(op, "table", table), handle(op, "logits", logits), op);
        }
    }

    @Override
    public void argmax(Tensor logits, Tensor out) {
        String op = "argmax";
        device.requireOpen(op);
        checks.argmax(op, logits, out);
        synchronized (device) {
            nat(op).argmax(handle(op, "logits", logits), handle(op, "out", out), op);
        }
    }

    @Override
    public boolean supportsIncrementPosition() {
        return true;
    }

    @Override
    public void incrementPosition(Tensor position) {
        String op = "incrementPosition";
        device.requireOpen(op);
        checks.positionTensor(op, position);
        synchronized (device) {
            nat(op).plusOne(handle(op, "position", position), op);
        }
    }

    @Override
    public void topK(Tensor logits, int k, Tensor values, Tensor indices) {
        String op = "topK";
        device.requireOpen(op);
        checks.topK(op, logits, k, values, indices);
        synchronized (device) {
            nat(op).topk(handle(op, "logits", logits), k, handle(op, "values", values), handle(op, "indices", indices), op);
        }
    }

    // ---- operand access --------------------------------------------------------------------

    /** The device, re-checked under its monitor: a close may have won the race since the first check. */
    private BttDevice nat(String op) {
        device.requireOpen(op);
        return device.nat();
    }

    /** The ABI handle of an open tensor of this device; call holding the device's monitor. */
    private long handle(String op, String name, Tensor t) {
        checks.requireOpen(op, name, t);
        if (t instanceof TtTensor tt && tt.device() == device) {
            return tt.handle();
        }
        throw checks.fail(op, name + " " + t.shape() + " was not allocated on this " + device.backendName() + " device");
    }
}
