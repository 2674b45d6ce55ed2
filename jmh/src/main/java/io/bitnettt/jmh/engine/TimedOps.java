package io.bitnettt.jmh.engine;

import java.util.function.ToLongFunction;

import io.bitnettt.spi.ScreenedTable;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TransformerOps;

/**
 * {@link TransformerOps} that times every call of the ops it wraps and counts the bytes the call
 * has to move: its weights as the device stores them (a ternary weight in the backend's own
 * layout), the KV cache rows attention reads, the activations in and out. Linears are told apart
 * by their weights' shapes, so the table names q/k/v, o, gate/up and down.
 */
final class TimedOps implements TransformerOps {
    private final TransformerOps ops;
    private final OpTimes times;
    private final ToLongFunction<Tensor> stored;
    /** The decode position, set by the benchmark: attention reads cache rows 0..position. */
    private int position;

    TimedOps(TransformerOps ops, OpTimes times, ToLongFunction<Tensor> stored) {
        this.ops = ops;
        this.times = times;
        this.stored = stored;
    }

    void position(int pos) {
        position = pos;
    }

    private long bytes(Tensor t) {
        return stored.applyAsLong(t);
    }

    private static String shape(Tensor w) {
        return w.shape().dim(1) + "→" + w.shape().dim(0);
    }

    @Override
    public void ternaryLinear(Tensor x, Tensor w, Tensor out) {
        long t0 = System.nanoTime();
        ops.ternaryLinear(x, w, out);
        times.add("linear " + shape(w), System.nanoTime() - t0, bytes(x) + bytes(w) + bytes(out));
    }

    @Override
    public void ternaryLinearQkv(Tensor x, Tensor wq, Tensor wk, Tensor wv, Tensor q, Tensor k, Tensor v) {
        long t0 = System.nanoTime();
        ops.ternaryLinearQkv(x, wq, wk, wv, q, k, v);
        times.add("linear qkv", System.nanoTime() - t0,
                bytes(x) + bytes(wq) + bytes(wk) + bytes(wv) + bytes(q) + bytes(k) + bytes(v));
    }

    @Override
    public void ternaryLinearGateUp(Tensor x, Tensor wGate, Tensor wUp, Tensor gate, Tensor up) {
        long t0 = System.nanoTime();
        ops.ternaryLinearGateUp(x, wGate, wUp, gate, up);
        times.add("linear gate/up", System.nanoTime() - t0,
                bytes(x) + bytes(wGate) + bytes(wUp) + bytes(gate) + bytes(up));
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out) {
        long t0 = System.nanoTime();
        ops.rmsNorm(x, weight, eps, out);
        times.add("rmsNorm", System.nanoTime() - t0, bytes(x) + bytes(weight) + bytes(out));
    }

    @Override
    public void rotaryPrefill(Tensor x, int heads, Tensor cos, Tensor sin, int startPos) {
        ops.rotaryPrefill(x, heads, cos, sin, startPos);
    }

    @Override
    public void rotaryDecode(Tensor x, int heads, Tensor cos, Tensor sin, Tensor position) {
        long t0 = System.nanoTime();
        ops.rotaryDecode(x, heads, cos, sin, position);
        times.add("rope", System.nanoTime() - t0, 2 * bytes(x) + 2 * 4 * cos.shape().dim(1));
    }

    @Override
    public void kvCacheFill(Tensor cache, Tensor kv, int startPos) {
        ops.kvCacheFill(cache, kv, startPos);
    }

    @Override
    public void kvCacheUpdate(Tensor cache, Tensor kv, Tensor position) {
        long t0 = System.nanoTime();
        ops.kvCacheUpdate(cache, kv, position);
        times.add("kv cache write", System.nanoTime() - t0, bytes(kv) + rowBytes(cache));
    }

    /** Bytes of one cache row: Hkv·D elements, or for INT8_ROWS {@code [maxSeq, Hkv, D]} the codes and Hkv scales. */
    private static long rowBytes(Tensor cache) {
        if (cache.dtype() == io.bitnettt.spi.DType.INT8_ROWS) {
            return cache.shape().dim(1) * (cache.shape().dim(2) + Float.BYTES);
        }
        return cache.shape().dim(1) * cache.dtype().hostBytesPerElement();
    }

    @Override
    public void attentionPrefill(Tensor q, Tensor kCache, Tensor vCache, int startPos, int heads, int kvHeads,
                                 Tensor out) {
        ops.attentionPrefill(q, kCache, vCache, startPos, heads, kvHeads, out);
    }

    @Override
    public void attentionDecode(Tensor q, Tensor kCache, Tensor vCache, Tensor position, int heads, int kvHeads,
                                Tensor out) {
        long t0 = System.nanoTime();
        ops.attentionDecode(q, kCache, vCache, position, heads, kvHeads, out);
        times.add("attention", System.nanoTime() - t0,
                bytes(q) + bytes(out) + (this.position + 1L) * (rowBytes(kCache) + rowBytes(vCache)));
    }

    @Override
    public void relu2Gate(Tensor gate, Tensor up, Tensor out) {
        long t0 = System.nanoTime();
        ops.relu2Gate(gate, up, out);
        times.add("relu2Gate", System.nanoTime() - t0, bytes(gate) + bytes(up) + bytes(out));
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        long t0 = System.nanoTime();
        ops.add(a, b, out);
        times.add("add", System.nanoTime() - t0, bytes(a) + bytes(b) + bytes(out));
    }

    @Override
    public void embedding(Tensor table, Tensor ids, Tensor out) {
        long t0 = System.nanoTime();
        ops.embedding(table, ids, out);
        long row = table.shape().dim(1) * table.dtype().hostBytesPerElement();
        times.add("embedding", System.nanoTime() - t0, ids.shape().dim(0) * row + bytes(out));
    }

    @Override
    public void outputProjection(Tensor x, Tensor table, Tensor logits) {
        long t0 = System.nanoTime();
        ops.outputProjection(x, table, logits);
        times.add("logits " + table.dtype().name().toLowerCase(java.util.Locale.ROOT), System.nanoTime() - t0,
                bytes(x) + bytes(table) + bytes(logits));
    }

    @Override
    public boolean supportsInt8OutputProjection() {
        return ops.supportsInt8OutputProjection();
    }

    @Override
    public void outputProjectionInt8(Tensor x, Tensor tableQ, Tensor rowScales, Tensor logits) {
        long t0 = System.nanoTime();
        ops.outputProjectionInt8(x, tableQ, rowScales, logits);
        times.add("logits int8", System.nanoTime() - t0, bytes(x) + bytes(tableQ) + bytes(rowScales) + bytes(logits));
    }

    @Override
    public boolean supportsIncrementPosition() {
        return ops.supportsIncrementPosition();
    }

    @Override
    public boolean supportsKvCache(io.bitnettt.spi.DType dtype) {
        return ops.supportsKvCache(dtype);
    }

    @Override
    public void incrementPosition(Tensor position) {
        ops.incrementPosition(position);
    }

    @Override
    public boolean supportsScreenedOutput() {
        return ops.supportsScreenedOutput();
    }

    /**
     * Counted as the codes, scales and bounds the screen streams; the rows it recomputes in full
     * are too few to count (see the device's screen statistics).
     */
    @Override
    public void screenedArgmax(Tensor x, ScreenedTable table, Tensor logits, Tensor out) {
        long t0 = System.nanoTime();
        ops.screenedArgmax(x, table, logits, out);
        times.add("logits screened argmax", System.nanoTime() - t0, screenBytes(x, table, logits));
    }

    @Override
    public void screenedArgmaxAllowed(Tensor x, ScreenedTable table, Tensor allowed, Tensor logits, Tensor out) {
        long t0 = System.nanoTime();
        ops.screenedArgmaxAllowed(x, table, allowed, logits, out);
        times.add("logits screened argmax (masked)", System.nanoTime() - t0,
                screenBytes(x, table, logits) + bytes(allowed));
    }

    @Override
    public void screenedTopK(Tensor x, ScreenedTable table, Tensor logits, int k, Tensor values, Tensor indices) {
        long t0 = System.nanoTime();
        ops.screenedTopK(x, table, logits, k, values, indices);
        times.add("logits screened topK", System.nanoTime() - t0, screenBytes(x, table, logits));
    }

    private long screenBytes(Tensor x, ScreenedTable table, Tensor logits) {
        return bytes(x) + bytes(table.codes()) + bytes(table.rowScales()) + bytes(table.rowBounds()) + bytes(logits);
    }

    @Override
    public void argmax(Tensor logits, Tensor out) {
        long t0 = System.nanoTime();
        ops.argmax(logits, out);
        times.add("argmax", System.nanoTime() - t0, bytes(logits));
    }

    @Override
    public void topK(Tensor logits, int k, Tensor values, Tensor indices) {
        long t0 = System.nanoTime();
        ops.topK(logits, k, values, indices);
        times.add("topK", System.nanoTime() - t0, bytes(logits));
    }
}
