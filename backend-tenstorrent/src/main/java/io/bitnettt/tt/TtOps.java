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
        checks.requireDType(op, "x", x, DType.F32);
        checks.requireRank(op, "x", x, 2);
        checks.requireDType(op, "weight", weight, DType.F32, DType.BF16);
        checks.requireShape(op, "weight", weight, x.shape().dim(1));
        checks.requireDType(op, "out", out, DType.F32);
        checks.requireShape(op, "out", out, x.shape().toArray());
        if (!(eps >= 0f) || Float.isInfinite(eps)) {
            throw checks.fail(op, "eps must be finite and >= 0, was " + eps);
        }
        synchronized (device) {
            nat(op).rmsNorm(handle(op, "x", x), handle(op, "weight", weight), eps, handle(op, "out", out), op);
        }
    }

    @Override
    public void rotaryPrefill(Tensor x, int heads, Tensor cos, Tensor sin, int startPos) {
        String op = "rotaryPrefill";
        device.requireOpen(op);
        checkRotary(op, x, heads, cos, sin);
        checkPositions(op, "cos", cos, startPos, x.shape().dim(0));
        synchronized (device) {
            nat(op).rotary(handle(op, "x", x), heads, handle(op, "cos", cos), handle(op, "sin", sin), startPos, 0L, op);
        }
    }

    @Override
    public void rotaryDecode(Tensor x, int heads, Tensor cos, Tensor sin, Tensor position) {
        String op = "rotaryDecode";
        device.requireOpen(op);
        checkRotary(op, x, heads, cos, sin);
        checkSingleToken(op, "x", x);
        checkPosition(op, position);
        synchronized (device) {
            nat(op).rotary(handle(op, "x", x), heads, handle(op, "cos", cos), handle(op, "sin", sin), 0,
                    handle(op, "position", position), op);
        }
    }

    private void checkRotary(String op, Tensor x, int heads, Tensor cos, Tensor sin) {
        checks.requireDType(op, "x", x, DType.F32);
        checks.requireRank(op, "x", x, 2);
        int dim = checks.headDim(op, "x", x, heads);
        if (dim % 2 != 0) {
            throw checks.fail(op, "x has shape " + x.shape() + " with odd head dim " + dim + "; rotate_half needs it even");
        }
        checks.requireDType(op, "cos", cos, DType.F32);
        checks.requireRank(op, "cos", cos, 2);
        if (cos.shape().dim(1) != dim) {
            throw checks.fail(op, "cos has shape " + cos.shape() + ", expected [maxPos, " + dim + "] for x " + x.shape()
                    + " with " + heads + " heads");
        }
        checks.requireDType(op, "sin", sin, DType.F32);
        checks.requireShape(op, "sin", sin, cos.shape().toArray());
    }

    @Override
    public void kvCacheFill(Tensor cache, Tensor kv, int startPos) {
        String op = "kvCacheFill";
        device.requireOpen(op);
        checkCache(op, cache, kv);
        checkPositions(op, "cache", cache, startPos, kv.shape().dim(0));
        synchronized (device) {
            nat(op).kvCacheUpdate(handle(op, "cache", cache), handle(op, "kv", kv), startPos, 0L, op);
        }
    }

    @Override
    public void kvCacheUpdate(Tensor cache, Tensor kv, Tensor position) {
        String op = "kvCacheUpdate";
        device.requireOpen(op);
        checkCache(op, cache, kv);
        checkSingleToken(op, "kv", kv);
        checkPosition(op, position);
        synchronized (device) {
            nat(op).kvCacheUpdate(handle(op, "cache", cache), handle(op, "kv", kv), 0, handle(op, "position", position), op);
        }
    }

    private void checkCache(String op, Tensor cache, Tensor kv) {
        checks.requireDType(op, "cache", cache, DType.F32);
        checks.requireRank(op, "cache", cache, 2);
        checks.requireDType(op, "kv", kv, DType.F32);
        checks.requireRank(op, "kv", kv, 2);
        if (kv.shape().dim(1) != cache.shape().dim(1)) {
            throw checks.fail(op, "kv has shape " + kv.shape() + " but cache has shape " + cache.shape()
                    + ": their columns (Hkv·D) must match");
        }
    }

    // ---- attention ------------------------------------------------------------------------

    @Override
    public void attentionPrefill(Tensor q, Tensor kCache, Tensor vCache, int startPos, int heads, int kvHeads, Tensor out) {
        String op = "attentionPrefill";
        device.requireOpen(op);
        checkAttention(op, q, kCache, vCache, heads, kvHeads, out);
        checkPositions(op, "kCache", kCache, startPos, q.shape().dim(0));
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
        checkAttention(op, q, kCache, vCache, heads, kvHeads, out);
        checkSingleToken(op, "q", q);
        checkPosition(op, position);
        synchronized (device) {
            nat(op).attention(handle(op, "q", q), handle(op, "kCache", kCache), handle(op, "vCache", vCache), 0,
                    handle(op, "position", position), heads, kvHeads, handle(op, "out", out), op);
        }
    }

    private void checkAttention(String op, Tensor q, Tensor kCache, Tensor vCache, int heads, int kvHeads, Tensor out) {
        checks.requireDType(op, "q", q, DType.F32);
        checks.requireRank(op, "q", q, 2);
        int dim = checks.headDim(op, "q", q, heads);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw checks.fail(op, "heads=" + heads + " is not a multiple of kvHeads=" + kvHeads + " (q " + q.shape() + ")");
        }
        checks.requireDType(op, "kCache", kCache, DType.F32);
        checks.requireRank(op, "kCache", kCache, 2);
        checks.requireShape(op, "kCache", kCache, kCache.shape().dim(0), (long) kvHeads * dim);
        checks.requireDType(op, "vCache", vCache, DType.F32);
        checks.requireShape(op, "vCache", vCache, kCache.shape().toArray());
        checks.requireDType(op, "out", out, DType.F32);
        checks.requireShape(op, "out", out, q.shape().toArray());
    }

    // ---- element-wise ---------------------------------------------------------------------

    @Override
    public void relu2Gate(Tensor gate, Tensor up, Tensor out) {
        String op = "relu2Gate";
        device.requireOpen(op);
        requireSameF32(op, gate, up, out, "gate", "up");
        synchronized (device) {
            nat(op).relu2Gate(handle(op, "gate", gate), handle(op, "up", up), handle(op, "out", out), op);
        }
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        String op = "add";
        device.requireOpen(op);
        requireSameF32(op, a, b, out, "a", "b");
        synchronized (device) {
            nat(op).add(handle(op, "a", a), handle(op, "b", b), handle(op, "out", out), op);
        }
    }

    private void requireSameF32(String op, Tensor a, Tensor b, Tensor out, String aName, String bName) {
        checks.requireDType(op, aName, a, DType.F32);
        checks.requireDType(op, bName, b, DType.F32);
        checks.requireShape(op, bName, b, a.shape().toArray());
        checks.requireDType(op, "out", out, DType.F32);
        checks.requireShape(op, "out", out, a.shape().toArray());
    }

    // ---- embedding, logits, sampling ------------------------------------------------------

    @Override
    public void embedding(Tensor table, Tensor ids, Tensor out) {
        String op = "embedding";
        device.requireOpen(op);
        checks.requireDType(op, "table", table, DType.BF16, DType.F32);
        checks.requireRank(op, "table", table, 2);
        checks.requireDType(op, "ids", ids, DType.UINT32);
        checks.requireRank(op, "ids", ids, 1);
        checks.requireDType(op, "out", out, DType.F32);
        checks.requireShape(op, "out", out, ids.shape().dim(0), table.shape().dim(1));
        synchronized (device) {
            nat(op).embedding(handle(op, "table", table), handle(op, "ids", ids), handle(op, "out", out), op);
        }
    }

    @Override
    public void outputProjection(Tensor x, Tensor table, Tensor logits) {
        String op = "outputProjection";
        device.requireOpen(op);
        checks.requireDType(op, "x", x, DType.F32);
        checks.requireRank(op, "x", x, 2);
        checks.requireDType(op, "table", table, DType.BF16, DType.F32);
        checks.requireRank(op, "table", table, 2);
        if (table.shape().dim(1) != x.shape().dim(1)) {
            throw checks.fail(op, "x has shape " + x.shape() + " but table has shape " + table.shape()
                    + ": x's columns must equal the table's width");
        }
        checks.requireDType(op, "logits", logits, DType.F32);
        checks.requireShape(op, "logits", logits, x.shape().dim(0), table.shape().dim(0));
        synchronized (device) {
            nat(op).outputProjection(handle(op, "x", x), handle(op, "table", table), handle(op, "logits", logits), op);
        }
    }

    @Override
    public void argmax(Tensor logits, Tensor out) {
        String op = "argmax";
        device.requireOpen(op);
        checks.requireDType(op, "logits", logits, DType.F32);
        checks.requireRank(op, "logits", logits, 2);
        checks.requireDType(op, "out", out, DType.UINT32);
        checks.requireShape(op, "out", out, logits.shape().dim(0));
        synchronized (device) {
            nat(op).argmax(handle(op, "logits", logits), handle(op, "out", out), op);
        }
    }

    @Override
    public void topK(Tensor logits, int k, Tensor values, Tensor indices) {
        String op = "topK";
        device.requireOpen(op);
        checks.requireDType(op, "logits", logits, DType.F32);
        checks.requireRank(op, "logits", logits, 2);
        if (logits.shape().dim(0) != 1) {
            throw checks.fail(op, "logits has shape " + logits.shape() + ", expected a single row [1, V]");
        }
        if (k < 1 || k > logits.shape().dim(1)) {
            throw checks.fail(op, "k=" + k + " must be in 1.." + logits.shape().dim(1) + " for logits " + logits.shape());
        }
        checks.requireDType(op, "values", values, DType.F32);
        checks.requireShape(op, "values", values, k);
        checks.requireDType(op, "indices", indices, DType.UINT32);
        checks.requireShape(op, "indices", indices, k);
        synchronized (device) {
            nat(op).topk(handle(op, "logits", logits), k, handle(op, "values", values), handle(op, "indices", indices), op);
        }
    }

    // ---- shared checks --------------------------------------------------------------------

    private void checkSingleToken(String op, String name, Tensor t) {
        if (t.shape().dim(0) != 1) {
            throw checks.fail(op, name + " has shape " + t.shape() + ", expected a single token row [1, " + t.shape().dim(1) + "]");
        }
    }

    /** The value lives on the device and is read when the op executes; only its form is checked here. */
    private void checkPosition(String op, Tensor position) {
        checks.requireDType(op, "position", position, DType.UINT32);
        checks.requireShape(op, "position", position, 1);
    }

    private void checkPositions(String op, String name, Tensor table, int start, long count) {
        if (start < 0 || start + count > table.shape().dim(0)) {
            throw checks.fail(op, "positions " + start + ".." + (start + count - 1) + " are outside " + name + " "
                    + table.shape() + " (rows 0.." + (table.shape().dim(0) - 1) + ")");
        }
    }

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
