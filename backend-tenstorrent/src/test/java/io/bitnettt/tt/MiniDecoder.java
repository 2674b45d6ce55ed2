package io.bitnettt.tt;

import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.spi.TransformerOps;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * A one-layer decoder built straight on {@link TransformerOps}, independent of the engine: the
 * decode recipe in its smallest form. The step writes its argmax into its own input token and, where the
 * backend can, advances its position on the device, as the engine does: a greedy token then reads back the
 * 4-byte id and writes nothing. Hidden size and head dimension are multiples of 32, as
 * BitNet's are: with them TT-NN's embedding takes its tilized path and the step needs no layout
 * conversion.
 */
final class MiniDecoder implements AutoCloseable {
    static final int LAYERS = 1;
    static final int VOCAB = 61, HIDDEN = 128, HEADS = 4, KV_HEADS = 2, HEAD_DIM = 32, FFN = 64, CONTEXT = 45;
    private static final float EPS = 1e-5f;

    private final Device device;
    private final TransformerOps ops;
    private final Arena host = Arena.ofShared();
    private final MemorySegment scalar = host.allocate(4);
    private final Tensor table, normIn, normAttn, normPost, normFfn, normFinal;
    private final Tensor wq, wk, wv, wo, wGate, wUp, wDown;
    private final Tensor cos, sin, kCache, vCache, position, token;
    private final Tensor x, normed, q, k, v, attn, proj, gate, up, logits;

    /** Weights from {@code seed}; activations in {@code activations} (L1 for the decode recipe). */
    MiniDecoder(Device device, long seed, MemoryPlacement activations) {
        this.device = device;
        this.ops = device.ops();
        SplittableRandom r = new SplittableRandom(seed);
        table = Host.bf16(device, Host.bf16Round(Host.gaussian(r, VOCAB * HIDDEN, 1.0)), VOCAB, HIDDEN);
        normIn = norm(r, HIDDEN);
        normAttn = norm(r, HIDDEN);
        normPost = norm(r, HIDDEN);
        normFfn = norm(r, FFN);
        normFinal = norm(r, HIDDEN);
        wq = weight(r, HEADS * HEAD_DIM, HIDDEN);
        wk = weight(r, KV_HEADS * HEAD_DIM, HIDDEN);
        wv = weight(r, KV_HEADS * HEAD_DIM, HIDDEN);
        wo = weight(r, HIDDEN, HEADS * HEAD_DIM);
        wGate = weight(r, FFN, HIDDEN);
        wUp = weight(r, FFN, HIDDEN);
        wDown = weight(r, HIDDEN, FFN);
        float[][] rope = OpsAgainstGoldenTest.ropeTable(CONTEXT, HEAD_DIM, 10000.0);
        cos = Host.f32(device, rope[0], CONTEXT, HEAD_DIM);
        sin = Host.f32(device, rope[1], CONTEXT, HEAD_DIM);
        kCache = Host.f32(device, new float[CONTEXT * KV_HEADS * HEAD_DIM], CONTEXT, KV_HEADS * HEAD_DIM);
        vCache = Host.f32(device, new float[CONTEXT * KV_HEADS * HEAD_DIM], CONTEXT, KV_HEADS * HEAD_DIM);
        position = device.allocate(TensorSpec.of(DType.UINT32, 1));
        token = device.allocate(TensorSpec.of(DType.UINT32, 1));
        x = act(activations, HIDDEN);
        normed = act(activations, HIDDEN);
        q = act(activations, HEADS * HEAD_DIM);
        k = act(activations, KV_HEADS * HEAD_DIM);
        v = act(activations, KV_HEADS * HEAD_DIM);
        attn = act(activations, HEADS * HEAD_DIM);
        proj = act(activations, HIDDEN);
        gate = act(activations, FFN);
        up = act(activations, FFN);
        logits = act(activations, VOCAB);
    }

    private Tensor norm(SplittableRandom r, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = Host.bf16Round((float) (1 + 0.2 * r.nextGaussian()));
        }
        return Host.f32(device, w, n);
    }

    private Tensor weight(SplittableRandom r, int out, int in) {
        return Host.ternary(device, Host.ternaryValues(r, out * in), out, in, (float) ((1 + r.nextDouble()) / Math.sqrt(in)));
    }

    private Tensor act(MemoryPlacement p, int n) {
        return device.allocate(TensorSpec.f32(1, n).withPlacement(p));
    }

    /** The token the next step reads. */
    void start(int firstToken) {
        write(token, firstToken);
    }

    void setPosition(int pos) {
        write(position, pos);
    }

    /** The greedy token of the last step, which the step also left as the next step's input. */
    int readToken() {
        token.download(scalar);
        return scalar.get(ValueLayout.JAVA_INT, 0);
    }

    private void write(Tensor t, int value) {
        scalar.set(ValueLayout.JAVA_INT, 0, value);
        t.upload(scalar);
    }

    /** Reads {@code token} and {@code position}; writes the greedy next token into {@code token}, advances the position. */
    void step() {
        ops.embedding(table, token, x);
        ops.rmsNorm(x, normIn, EPS, normed);
        ops.ternaryLinearQkv(normed, wq, wk, wv, q, k, v);
        ops.rotaryDecode(q, HEADS, cos, sin, position);
        ops.rotaryDecode(k, KV_HEADS, cos, sin, position);
        ops.kvCacheUpdate(kCache, k, position);
        ops.kvCacheUpdate(vCache, v, position);
        ops.attentionDecode(q, kCache, vCache, position, HEADS, KV_HEADS, attn);
        ops.rmsNorm(attn, normAttn, EPS, attn);
        ops.ternaryLinear(attn, wo, proj);
        ops.add(x, proj, x);
        ops.rmsNorm(x, normPost, EPS, normed);
        ops.ternaryLinearGateUp(normed, wGate, wUp, gate, up);
        ops.relu2Gate(gate, up, gate);
        ops.rmsNorm(gate, normFfn, EPS, gate);
        ops.ternaryLinear(gate, wDown, proj);
        ops.add(x, proj, x);
        ops.rmsNorm(x, normFinal, EPS, normed);
        ops.outputProjection(normed, table, logits);
        ops.argmax(logits, token);
        if (ops.supportsIncrementPosition()) {
            ops.incrementPosition(position);
        }
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {table, normIn, normAttn, normPost, normFfn, normFinal, wq, wk, wv, wo, wGate, wUp,
                wDown, cos, sin, kCache, vCache, position, token, x, normed, q, k, v, attn, proj, gate, up, logits}) {
            t.close();
        }
        host.close();
    }
}
