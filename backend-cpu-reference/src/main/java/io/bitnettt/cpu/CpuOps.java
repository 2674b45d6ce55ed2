package io.bitnettt.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.bitnettt.cpu.kernel.Bf16;
import io.bitnettt.cpu.kernel.KeyTiles;
import io.bitnettt.cpu.kernel.KvCaches;
import io.bitnettt.cpu.kernel.FloatKernels;
import io.bitnettt.cpu.kernel.OutputProjectionKernel;
import io.bitnettt.cpu.kernel.Selection;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.LogitScreen;
import io.bitnettt.spi.OpChecks;
import io.bitnettt.spi.ScreenedTable;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TransformerOps;

/**
 * Validates every call with {@link OpChecks} and runs the vectorized kernels. Calls are
 * synchronous and serialized per device because they share the device's {@link Scratch}.
 */
final class CpuOps implements TransformerOps {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;

    private final CpuDevice device;
    private final OpChecks checks = new OpChecks(CpuDevice.NAME);
    private final Scratch scratch;
    private final LinearCall linear;
    private final AttentionCall attention;
    /** One cache row of D as floats and as codes, for INT8_ROWS stores; grown once, so warm stores allocate nothing. */
    private float[] rowBuf = new float[0];
    private byte[] codeBuf = new byte[0];
    private final LogitsCall projection;
    private final ScreenCall screen;

    CpuOps(CpuDevice device, WorkerPool pool) {
        this.device = device;
        this.scratch = new Scratch(pool.threads());
        this.linear = new LinearCall(pool, scratch);
        this.attention = new AttentionCall(pool, scratch);
        this.projection = new LogitsCall(pool);
        this.screen = new ScreenCall(pool);
    }

    /** Frees the scratch buffers; synchronized so a running op finishes first. */
    synchronized void close() {
        scratch.close();
    }

    // ---- ternary linears ------------------------------------------------------------------

    @Override
    public synchronized void ternaryLinear(Tensor x, Tensor w, Tensor out) {
        String op = "ternaryLinear";
        device.enterOp(op);
        checks.requireLinear(op, x, w, out);
        CpuTernaryTensor tw = ternary(op, "w", w);
        MemorySegment y = seg(out);
        MemorySegment xs = seg(x);
        linear.with(tw, y).run(xs, x.shape().intDim(0), x.shape().intDim(1));
    }

    @Override
    public synchronized void ternaryLinearQkv(Tensor x, Tensor wq, Tensor wk, Tensor wv, Tensor q, Tensor k, Tensor v) {
        String op = "ternaryLinearQkv";
        device.enterOp(op);
        checks.requireLinear(op, x, wq, q);
        checks.requireLinear(op, x, wk, k);
        checks.requireLinear(op, x, wv, v);
        CpuTernaryTensor tq = ternary(op, "wq", wq);
        CpuTernaryTensor tk = ternary(op, "wk", wk);
        CpuTernaryTensor tv = ternary(op, "wv", wv);
        MemorySegment yq = seg(q);
        MemorySegment yk = seg(k);
        MemorySegment yv = seg(v);
        MemorySegment xs = seg(x);
        linear.with(tq, yq).with(tk, yk).with(tv, yv).run(xs, x.shape().intDim(0), x.shape().intDim(1));
    }

    @Override
    public synchronized void ternaryLinearGateUp(Tensor x, Tensor wGate, Tensor wUp, Tensor gate, Tensor up) {
        String op = "ternaryLinearGateUp";
        device.enterOp(op);
        checks.requireLinear(op, x, wGate, gate);
        checks.requireLinear(op, x, wUp, up);
        CpuTernaryTensor tg = ternary(op, "wGate", wGate);
        CpuTernaryTensor tu = ternary(op, "wUp", wUp);
        MemorySegment yg = seg(gate);
        MemorySegment yu = seg(up);
        MemorySegment xs = seg(x);
        linear.with(tg, yg).with(tu, yu).run(xs, x.shape().intDim(0), x.shape().intDim(1));
    }

    private CpuTernaryTensor ternary(String op, String name, Tensor w) {
        if (w instanceof CpuTernaryTensor t && t.device() == device) {
            return t;
        }
        throw checks.fail(op, name + " " + w.shape() + " was not allocated on this cpu device");
    }

    // ---- normalization, rotary, caches ----------------------------------------------------

    @Override
    public synchronized void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out) {
        String op = "rmsNorm";
        device.enterOp(op);
        checks.rmsNorm(op, x, weight, eps, out);
        int n = x.shape().intDim(1);
        MemorySegment w = seg(weight);
        if (weight.dtype() == DType.BF16) {
            MemorySegment wide = scratch.weightRow(n);
            for (int i = 0; i < n; i++) {
                wide.set(FLOAT, 4L * i, Bf16.toFloat(w.get(ValueLayout.JAVA_SHORT, 2L * i)));
            }
            w = wide;
        }
        MemorySegment xs = seg(x);
        MemorySegment os = seg(out);
        for (int t = 0; t < x.shape().intDim(0); t++) {
            FloatKernels.rmsNormRow(xs, 4L * t * n, w, n, eps, os, 4L * t * n);
        }
    }

    @Override
    public synchronized void rotaryPrefill(Tensor x, int heads, Tensor cos, Tensor sin, int startPos) {
        String op = "rotaryPrefill";
        device.enterOp(op);
        int dim = checks.rotary(op, x, heads, cos, sin);
        int tokens = x.shape().intDim(0);
        checks.positions(op, "cos", cos, startPos, tokens);
        rotate(x, heads, dim, cos, sin, startPos);
    }

    @Override
    public synchronized void rotaryDecode(Tensor x, int heads, Tensor cos, Tensor sin, Tensor position) {
        String op = "rotaryDecode";
        device.enterOp(op);
        int dim = checks.rotary(op, x, heads, cos, sin);
        checks.singleToken(op, "x", x);
        int pos = position(op, position);
        checks.positions(op, "cos", cos, pos, 1);
        rotate(x, heads, dim, cos, sin, pos);
    }

    private void rotate(Tensor x, int heads, int dim, Tensor cos, Tensor sin, int startPos) {
        MemorySegment xs = seg(x);
        long width = x.shape().dim(1);
        for (int t = 0; t < x.shape().intDim(0); t++) {
            FloatKernels.ropeRow(xs, 4L * t * width, heads, dim, seg(cos), seg(sin), 4L * (startPos + t) * dim);
        }
    }

    @Override
    public boolean supportsKvCache(DType dtype) {
        return dtype == DType.F32 || dtype == DType.BF16 || dtype == DType.INT8_ROWS;
    }

    @Override
    public synchronized void kvCacheFill(Tensor cache, Tensor kv, int startPos) {
        String op = "kvCacheFill";
        device.enterOp(op);
        checks.kvCache(op, cache, kv);
        checks.positions(op, "cache", cache, startPos, kv.shape().intDim(0));
        storeRows(op, cache, kv, startPos);
    }

    @Override
    public synchronized void kvCacheUpdate(Tensor cache, Tensor kv, Tensor position) {
        String op = "kvCacheUpdate";
        device.enterOp(op);
        checks.kvCache(op, cache, kv);
        checks.singleToken(op, "kv", kv);
        int pos = position(op, position);
        checks.positions(op, "cache", cache, pos, 1);
        storeRows(op, cache, kv, pos);
    }

    /**
     * Writes {@code kv}'s rows at cache row {@code pos}: copied for F32, rounded to nearest even for BF16,
     * quantized per token and kv head for INT8_ROWS.
     */
    private void storeRows(String op, Tensor cache, Tensor kv, int pos) {
        long n = kv.shape().elementCount();
        long width = cache.shape().dim(1);
        if (cache.dtype() == DType.INT8_ROWS) {
            CpuRowScaledTensor q = rowScaled(cache);
            int d = q.width();
            if (rowBuf.length < d) {
                rowBuf = new float[d];
                codeBuf = new byte[d];
            }
            try {
                q.storeRows(seg(kv), 0, pos, kv.shape().dim(0), rowBuf, codeBuf);
            } catch (IllegalArgumentException e) {
                // a non-finite key or value has no int8 code; F32 and BF16 caches would keep it
                throw checks.fail(op, "kv " + kv.shape() + " for INT8_ROWS cache " + cache.shape() + " at row " + pos
                        + ": " + e.getMessage());
            }
        } else if (cache.dtype() == DType.BF16) {
            FloatKernels.toBf16(seg(kv), seg(cache), 2L * pos * width, n);
        } else {
            MemorySegment.copy(seg(kv), 0, seg(cache), 4L * pos * width, 4L * n);
        }
    }

    // ---- attention ------------------------------------------------------------------------

    @Override
    public synchronized void attentionPrefill(Tensor q, Tensor kCache, Tensor vCache, int startPos, int heads, int kvHeads,
                                              Tensor out) {
        String op = "attentionPrefill";
        device.enterOp(op);
        int dim = checks.attention(op, q, kCache, vCache, heads, kvHeads, out);
        checks.positions(op, "kCache", kCache, startPos, q.shape().intDim(0));
        attend(q, kCache, vCache, startPos, heads, kvHeads, dim, out);
    }

    @Override
    public synchronized void attentionDecode(Tensor q, Tensor kCache, Tensor vCache, Tensor position, int heads,
                                             int kvHeads, Tensor out) {
        String op = "attentionDecode";
        device.enterOp(op);
        int dim = checks.attention(op, q, kCache, vCache, heads, kvHeads, out);
        checks.singleToken(op, "q", q);
        int pos = position(op, position);
        checks.positions(op, "kCache", kCache, pos, 1);
        attend(q, kCache, vCache, pos, heads, kvHeads, dim, out);
    }

    private void attend(Tensor q, Tensor kCache, Tensor vCache, int startPos, int heads, int kvHeads, int dim, Tensor out) {
        int tokens = q.shape().intDim(0);
        float scale = (float) (1.0 / Math.sqrt(dim));
        KvCaches caches = attention.caches();
        if (kCache.dtype() == DType.INT8_ROWS) {
            CpuRowScaledTensor k = rowScaled(kCache);
            CpuRowScaledTensor v = rowScaled(vCache);
            // Keys in tile order where the kernels read it; one tensor passed as both keys and values stays in row order.
            boolean tiles = KeyTiles.READ && k != v;
            caches.set(KvCaches.Kind.INT8, tiles ? k.keyCodes() : k.valueCodes(), v.valueCodes(), k.scales(),
                    v.scales(), k.rows(), tiles);
        } else {
            caches.set(kCache.dtype() == DType.BF16 ? KvCaches.Kind.BF16 : KvCaches.Kind.F32, seg(kCache), seg(vCache));
        }
        attention.run(seg(q), seg(out), tokens, startPos, heads, kvHeads, dim, scale);
    }

    // ---- element-wise ---------------------------------------------------------------------

    @Override
    public synchronized void relu2Gate(Tensor gate, Tensor up, Tensor out) {
        String op = "relu2Gate";
        device.enterOp(op);
        checks.elementwise(op, gate, up, out, "gate", "up");
        FloatKernels.relu2Gate(seg(gate), seg(up), seg(out), gate.shape().elementCount());
    }

    @Override
    public synchronized void add(Tensor a, Tensor b, Tensor out) {
        String op = "add";
        device.enterOp(op);
        checks.elementwise(op, a, b, out, "a", "b");
        FloatKernels.add(seg(a), seg(b), seg(out), a.shape().elementCount());
    }

    // ---- embedding, logits, sampling helpers ---------------------------------------------

    @Override
    public synchronized void embedding(Tensor table, Tensor ids, Tensor out) {
        String op = "embedding";
        device.enterOp(op);
        checks.embedding(op, table, ids, out);
        long vocab = table.shape().dim(0);
        int d = table.shape().intDim(1);
        int tokens = ids.shape().intDim(0);
        MemorySegment is = seg(ids);
        MemorySegment ts = seg(table);
        MemorySegment os = seg(out);
        for (int t = 0; t < tokens; t++) {
            long id = Integer.toUnsignedLong(is.get(ValueLayout.JAVA_INT, 4L * t));
            if (id >= vocab) {
                throw checks.fail(op, "ids[" + t + "] = " + id + " is out of range for table " + table.shape());
            }
            if (table.dtype() == DType.F32) {
                MemorySegment.copy(ts, id * d * 4, os, 4L * t * d, 4L * d);
            } else {
                for (int k = 0; k < d; k++) {
                    os.set(FLOAT, 4L * ((long) t * d + k), Bf16.toFloat(ts.get(ValueLayout.JAVA_SHORT, 2L * (id * d + k))));
                }
            }
        }
    }

    @Override
    public synchronized void outputProjection(Tensor x, Tensor table, Tensor logits) {
        String op = "outputProjection";
        device.enterOp(op);
        checks.outputProjection(op, x, table, logits);
        int tokens = x.shape().intDim(0);
        int d = x.shape().intDim(1);
        int vocab = table.shape().intDim(0);
        float[] xp = scratch.floats(tokens * d);
        MemorySegment xs = seg(x);
        boolean bf16 = table.dtype() == DType.BF16;
        for (int t = 0; t < tokens; t++) {
            if (bf16) {
                OutputProjectionKernel.permute(xs, 4L * t * d, d, xp, t * d);
            } else {
                MemorySegment.copy(xs, FLOAT, 4L * t * d, xp, t * d, d);
            }
        }
        projection.run(bf16 ? LogitsCall.Table.BF16 : LogitsCall.Table.F32, seg(table), null, d, xp, tokens,
                seg(logits), vocab);
    }

    @Override
    public boolean supportsInt8OutputProjection() {
        return true;
    }

    @Override
    public synchronized void outputProjectionInt8(Tensor x, Tensor tableQ, Tensor rowScales, Tensor logits) {
        String op = "outputProjectionInt8";
        device.enterOp(op);
        checks.requireDType(op, "x", x, DType.F32);
        checks.requireRank(op, "x", x, 2);
        checks.requireDType(op, "tableQ", tableQ, DType.INT8);
        checks.requireRank(op, "tableQ", tableQ, 2);
        if (tableQ.shape().dim(1) != x.shape().dim(1)) {
            throw checks.fail(op, "x has shape " + x.shape() + " but tableQ has shape " + tableQ.shape()
                    + ": x's columns must equal the table's width");
        }
        checks.requireDType(op, "rowScales", rowScales, DType.F32);
        checks.requireShape(op, "rowScales", rowScales, tableQ.shape().dim(0));
        checks.requireDType(op, "logits", logits, DType.F32);
        checks.requireShape(op, "logits", logits, x.shape().dim(0), tableQ.shape().dim(0));
        int tokens = x.shape().intDim(0);
        int d = x.shape().intDim(1);
        int vocab = tableQ.shape().intDim(0);
        float[] xp = scratch.floats(tokens * d);
        MemorySegment.copy(seg(x), FLOAT, 0, xp, 0, tokens * d);
        projection.run(LogitsCall.Table.INT8, seg(tableQ), seg(rowScales), d, xp, tokens, seg(logits), vocab);
    }

    @Override
    public boolean supportsScreenedOutput() {
        return true;
    }

    @Override
    public synchronized void screenedArgmax(Tensor x, ScreenedTable table, Tensor logits, Tensor out) {
        String op = "screenedArgmax";
        device.enterOp(op);
        checks.screened(op, x, table, logits);
        checks.requireDType(op, "out", out, DType.UINT32);
        checks.requireShape(op, "out", out, 1);
        int row = screenOrProject(x, table, null, logits);
        if (row < 0) {
            argmax(logits, out);
        } else {
            seg(out).set(ValueLayout.JAVA_INT, 0, row);
        }
    }

    @Override
    public synchronized void screenedArgmaxAllowed(Tensor x, ScreenedTable table, Tensor allowed, Tensor logits,
                                                   Tensor out) {
        String op = "screenedArgmaxAllowed";
        device.enterOp(op);
        checks.screened(op, x, table, logits);
        checks.rowMask(op, allowed, logits);
        checks.requireDType(op, "out", out, DType.UINT32);
        checks.requireShape(op, "out", out, 1);
        int row = screenOrProject(x, table, seg(allowed), logits);
        seg(out).set(ValueLayout.JAVA_INT, 0, row < 0 ? UNDECIDED : row);
    }

    /**
     * The screen's argmax among the {@code allowed} rows (null: every row); where it cannot decide,
     * -1 with every row's full logit in {@code logits}.
     */
    private int screenOrProject(Tensor x, ScreenedTable table, MemorySegment allowed, Tensor logits) {
        int row = -1;
        if (bindScreen(x, table, logits)) {
            row = screen.argmax(allowed);
        } else {
            screen.fullPass();
        }
        if (row < 0) {
            outputProjection(x, table.table(), logits);
        }
        return row;
    }

    @Override
    public synchronized void screenedTopK(Tensor x, ScreenedTable table, Tensor logits, int k, Tensor values,
                                          Tensor indices) {
        String op = "screenedTopK";
        device.enterOp(op);
        checks.screened(op, x, table, logits);
        checks.topK(op, logits, k, values, indices);
        scratch.topK(k);
        boolean done = false;
        if (k <= ScreenCall.MAX_K && bindScreen(x, table, logits)) {
            done = screen.topK(k, scratch.topValues, scratch.topIndices);
        } else {
            screen.fullPass();
        }
        if (!done) {
            outputProjection(x, table.table(), logits);
            topK(logits, k, values, indices);
            return;
        }
        MemorySegment.copy(scratch.topValues, 0, seg(values), FLOAT, 0, k);
        MemorySegment.copy(scratch.topIndices, 0, seg(indices), ValueLayout.JAVA_INT, 0, k);
    }

    /**
     * Prepares the screen's operands: the activation as is and as the exact kernel reads it, and its
     * norm; false when the norm is not finite, so no bound holds.
     */
    private boolean bindScreen(Tensor x, ScreenedTable table, Tensor logits) {
        int d = x.shape().intDim(1);
        float[] xq = scratch.floats(d);
        MemorySegment.copy(seg(x), FLOAT, 0, xq, 0, d);
        double norm = LogitScreen.norm(xq, 0, d);
        if (!Double.isFinite(norm)) {
            return false;
        }
        boolean bf16 = table.table().dtype() == DType.BF16;
        float[] xp = scratch.screenX(d);
        if (bf16) {
            OutputProjectionKernel.permute(seg(x), 0, d, xp, 0);
        } else {
            MemorySegment.copy(seg(x), FLOAT, 0, xp, 0, d);
        }
        screen.with(seg(table.codes()), seg(table.rowScales()), seg(table.rowBounds()), seg(table.table()), bf16, d,
                xq, xp, seg(logits), table.table().shape().intDim(0), norm);
        return true;
    }

    /** Totals of the screened projections since the device opened. */
    synchronized ScreenCall.Statistics screenStatistics() {
        return screen.statistics();
    }

    @Override
    public synchronized void argmax(Tensor logits, Tensor out) {
        String op = "argmax";
        device.enterOp(op);
        checks.argmax(op, logits, out);
        int tokens = logits.shape().intDim(0);
        int vocab = logits.shape().intDim(1);
        MemorySegment ls = seg(logits);
        for (int t = 0; t < tokens; t++) {
            seg(out).set(ValueLayout.JAVA_INT, 4L * t, Selection.argmax(ls, 4L * t * vocab, vocab));
        }
    }

    @Override
    public synchronized void topK(Tensor logits, int k, Tensor values, Tensor indices) {
        String op = "topK";
        device.enterOp(op);
        checks.topK(op, logits, k, values, indices);
        int vocab = logits.shape().intDim(1);
        scratch.topK(k);
        Selection.topK(seg(logits), 0, vocab, k, scratch.topValues, scratch.topIndices);
        MemorySegment.copy(scratch.topValues, 0, seg(values), FLOAT, 0, k);
        MemorySegment.copy(scratch.topIndices, 0, seg(indices), ValueLayout.JAVA_INT, 0, k);
    }

    // ---- operand access --------------------------------------------------------------------

    /** Reads a UINT32 [1] position tensor. */
    private int position(String op, Tensor position) {
        checks.positionTensor(op, position);
        long pos = Integer.toUnsignedLong(seg(position).get(ValueLayout.JAVA_INT, 0));
        if (pos > Integer.MAX_VALUE) {
            throw checks.fail(op, "position " + pos + " is out of range");
        }
        return (int) pos;
    }

    private CpuRowScaledTensor rowScaled(Tensor t) {
        seg(t);
        return (CpuRowScaledTensor) t;
    }

    private MemorySegment seg(Tensor t) {
        if (t instanceof CpuTensor c && c.device() == device) {
            return c.segment();
        }
        throw checks.fail("ops", "tensor " + t.shape() + " was not allocated on this cpu device");
    }
}
