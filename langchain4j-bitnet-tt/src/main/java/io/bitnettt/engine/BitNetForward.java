package io.bitnettt.engine;

import io.bitnettt.spi.CapturedStep;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.spi.TransformerOps;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The BitNet b1.58 decoder, written once against {@link TransformerOps}. It owns the KV cache
 * (preallocated to the context length, updated in place) and the scratch tensors; it does not know
 * which backend runs it.
 *
 * <p>A prompt is processed as blocks without logits, then its last token goes through the decode
 * step, which produces logits: so only the (captured) decode step ever needs the output projection.
 *
 * <p>With a screened output table ({@link DeviceWeights#screen()}) the captured step stops at the
 * final norm (and the position advance) and each decode method runs the projection it needs after
 * it: greedy and top-k the exact screened ones ({@link TransformerOps#screenedArgmax}), constrained
 * greedy the screened one over the allowed tokens ({@link #decodeArgmaxAllowed}), full logits the
 * full one.
 *
 * <p>The decode step ends with the argmax written into its own token input and, where the backend
 * can ({@link TransformerOps#supportsIncrementPosition()}), the position advanced on the device: a
 * greedy step then writes nothing from the host and reads back only the 4-byte token. The host remembers
 * what the device holds and writes the token or position only when the caller asks for another one
 * (a sampled token, a new position).
 *
 * <p>Top-k sampling has its own captured step, the same up to the logits and then ending in the top-k
 * instead of the argmax (and the position advance): a sampling step is one replay, reads back the k values
 * and ids, and writes only the sampled token. It is captured for one k at a time, again when k changes.
 */
public final class BitNetForward implements AutoCloseable {
    /** Default element type of the KV cache, [context, kvDim] per layer for K and for V (see {@link KvCacheType}). */
    public static final DType KV_CACHE_DTYPE = DType.F32;

    private final Device device;
    private final TransformerOps ops;
    private final ModelDims dims;
    private final DeviceWeights weights;
    private final int prefillBlock;
    private final Tensor cos;
    private final Tensor sin;
    private final List<Tensor> kCache = new ArrayList<>();
    private final List<Tensor> vCache = new ArrayList<>();
    private final Activations step;
    private final Tensor tokenId;   // UINT32 [1]: the step's input token; the step's argmax overwrites it
    private final Tensor position;  // UINT32 [1]: the step's position; the step advances it where it can
    private final Positions decodeAt;  // built once: the decode step allocates nothing
    private final Tensor logits;    // F32 [1, vocab]
    private final boolean advancesOnDevice;
    private int deviceToken = -1;     // what tokenId holds, -1 when unknown (the step's argmax wrote it)
    private int devicePosition = -1;  // what position holds, -1 before the first write
    private final Arena hostArena = Arena.ofShared();
    private final MemorySegment hostScalar;
    private Activations block;
    private CapturedStep decodeStep;
    private Tensor topValues;       // F32 [k], on-device top-k of logits (allocated per k, not per token)
    private Tensor topIds;          // UINT32 [k]
    private Tensor allowedRows;     // UINT32 [⌈vocab/32⌉], a constrained greedy step's row mask (on first use)
    private CapturedStep topKStep;  // the decode step ending in the top-k into topValues / topIds
    private boolean topKInTrace = true;
    private boolean closed;

    public BitNetForward(Device device, ModelDims dims, DeviceWeights weights, int prefillBlock) {
        this(device, dims, weights, prefillBlock, KV_CACHE_DTYPE);
    }

    /** As the four-argument constructor, with the KV cache kept as {@code kvCacheType} (F32, BF16 or INT8_ROWS). */
    public BitNetForward(Device device, ModelDims dims, DeviceWeights weights, int prefillBlock, DType kvCacheType) {
        if (prefillBlock < 1) {
            throw new IllegalArgumentException("prefillBlock must be >= 1, was " + prefillBlock);
        }
        if (!device.ops().supportsKvCache(kvCacheType)) {
            throw new IllegalArgumentException("KV cache type " + kvCacheType + " is not supported by the "
                    + device.backendName() + " backend; use F32 (--kv-cache f32), which every backend keeps");
        }
        this.device = device;
        this.ops = device.ops();
        this.dims = dims;
        this.weights = weights;
        this.prefillBlock = prefillBlock;
        float[][] table = RopeTables.compute(dims.contextLength(), dims.headDim(), dims.ropeTheta());
        cos = uploadF32(table[0], dims.contextLength(), dims.headDim());
        sin = uploadF32(table[1], dims.contextLength(), dims.headDim());
        for (int l = 0; l < dims.layers(); l++) {
            kCache.add(device.allocate(TensorSpec.of(kvCacheType, KvCacheType.cacheShape(kvCacheType, dims))));
            vCache.add(device.allocate(TensorSpec.of(kvCacheType, KvCacheType.cacheShape(kvCacheType, dims))));
        }
        step = new Activations(device, dims, 1, MemoryPlacement.DEVICE_L1);
        tokenId = device.allocate(TensorSpec.of(DType.UINT32, 1));
        position = device.allocate(TensorSpec.of(DType.UINT32, 1));
        decodeAt = new Positions.Single(position);
        logits = device.allocate(TensorSpec.f32(1, dims.vocabSize()));
        advancesOnDevice = ops.supportsIncrementPosition();
        hostScalar = hostArena.allocate(4);
    }

    /** Tokens per prefill block. */
    public int prefillBlock() {
        return prefillBlock;
    }

    public ModelDims dims() {
        return dims;
    }

    /**
     * Runs {@code tokens[from..to)} at positions {@code from..to-1} as prefill blocks, filling the KV
     * cache without computing logits.
     */
    public void prefill(int[] tokens, int from, int to) {
        checkRange(from, to);
        for (int start = from; start < to; start += prefillBlock) {
            int n = Math.min(prefillBlock, to - start);
            Activations a = n == prefillBlock ? blockActivations() : new Activations(device, dims, n, MemoryPlacement.DEVICE_DRAM);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment ids = arena.allocate((long) n * Integer.BYTES);
                for (int i = 0; i < n; i++) {
                    ids.setAtIndex(ValueLayout.JAVA_INT, i, tokens[start + i]);
                }
                try (Tensor idTensor = device.upload(TensorSpec.of(DType.UINT32, n), ids)) {
                    ops.embedding(weights.embedding(), idTensor, a.x);
                }
                layers(a, new Positions.Block(start));
            } finally {
                if (a != block) {
                    a.close();
                }
            }
        }
    }

    /**
     * Runs one token at {@code pos} through the captured decode step and returns the logits,
     * valid until the next call.
     */
    public float[] decode(int token, int pos, float[] out) {
        if (out.length != dims.vocabSize()) {
            throw new IllegalArgumentException("logits buffer has " + out.length + " entries, expected vocab size "
                    + dims.vocabSize());
        }
        runDecode(token, pos);
        if (weights.screen() != null) {
            ops.outputProjection(step.normed, weights.output(), logits);
        }
        // Straight into the caller's array: no intermediate host copy of the vocabulary.
        readBack(logits, MemorySegment.ofArray(out));
        return out;
    }

    /**
     * As {@link #decode} for greedy decoding: only the argmax id crosses back from the device, and when
     * {@code token} and {@code pos} are what the previous step left there (its argmax, its position + 1)
     * nothing crosses to it.
     */
    public int decodeArgmax(int token, int pos) {
        runDecode(token, pos);
        if (weights.screen() != null) {
            // Into the step's token input, as the step's own argmax would: the next greedy step reads it there.
            ops.screenedArgmax(step.normed, weights.screen(), logits, tokenId);
        }
        readBack(tokenId, hostScalar);
        deviceToken = hostScalar.get(ValueLayout.JAVA_INT, 0);
        return deviceToken;
    }

    /** Whether the output projection is screened, so {@link #decodeArgmaxAllowed} reads less than the whole table. */
    public boolean screensOutput() {
        return weights.screen() != null;
    }

    /**
     * As {@link #decodeArgmax} among the tokens {@code allowedWords} lets through (token {@code t} where
     * bit {@code t % 32} of word {@code t / 32} is set), for a constrained greedy step: the screened
     * projection reads the allowed rows only ({@link TransformerOps#screenedArgmaxAllowed}). Returns the
     * token, or -1 with every logit in {@code logitsOut} where the screen leaves the choice to the caller
     * (or there is no screen), to be masked and selected as without one.
     */
    public int decodeArgmaxAllowed(int token, int pos, int[] allowedWords, float[] logitsOut) {
        int words = (dims.vocabSize() + 31) / 32;
        if (allowedWords.length != words || logitsOut.length != dims.vocabSize()) {
            throw new IllegalArgumentException("row mask has " + allowedWords.length + " words and the logits buffer "
                    + logitsOut.length + " entries; expected " + words + " and the vocab size " + dims.vocabSize());
        }
        if (weights.screen() == null) {
            decode(token, pos, logitsOut);
            return -1;
        }
        runDecode(token, pos);
        if (allowedRows == null) {
            allowedRows = device.allocate(TensorSpec.of(DType.UINT32, words));
        }
        allowedRows.upload(MemorySegment.ofArray(allowedWords));
        // Into the step's token input, as decodeArgmax does; an undecided -1 there is rewritten before the next step.
        ops.screenedArgmaxAllowed(step.normed, weights.screen(), allowedRows, logits, tokenId);
        readBack(tokenId, hostScalar);
        deviceToken = hostScalar.get(ValueLayout.JAVA_INT, 0);
        if (deviceToken < 0) {
            readBack(logits, MemorySegment.ofArray(logitsOut));
            return -1;
        }
        return deviceToken;
    }

    /**
     * As {@link #decode} for top-k sampling: the device selects the {@code k} best logits (descending,
     * lower id first on ties) and only those {@code k} values and ids cross back, not the vocabulary.
     */
    public void decodeTopK(int token, int pos, float[] values, int[] ids) {
        int k = values.length;
        if (k < 1 || k > dims.vocabSize() || ids.length != k) {
            throw new IllegalArgumentException("top-k buffers hold " + values.length + " values and " + ids.length
                    + " ids; expected the same k in [1, " + dims.vocabSize() + "]");
        }
        if (topValues == null || topValues.shape().dim(0) != k) {
            closeTopK();
            topValues = device.allocate(TensorSpec.of(DType.F32, k));
            topIds = device.allocate(TensorSpec.of(DType.UINT32, k));
        }
        if (weights.screen() != null) {
            // The screened projection runs after the step (the step stops at the final norm).
            runDecode(token, pos);
            ops.screenedTopK(step.normed, weights.screen(), logits, k, topValues, topIds);
        } else if (!topKInTrace) {
            runDecode(token, pos);
            ops.topK(logits, k, topValues, topIds);
        } else {
            // One replay of the top-k step; the greedy step's argmax is not run, and the token input keeps
            // what was written into it.
            runDecode(token, pos, true);
            deviceToken = token;
        }
        readBack(topValues, MemorySegment.ofArray(values));
        readBack(topIds, MemorySegment.ofArray(ids));
    }

    /**
     * Whether top-k sampling replays its own captured step (the default) or, as before it had one, the greedy
     * step followed by the top-k outside it; for tests and benchmarks that compare the two.
     */
    void topKInTrace(boolean inTrace) {
        this.topKInTrace = inTrace;
    }

    /** Frees the top-k step (first: it reads the tensors) and its outputs. */
    private void closeTopK() {
        if (topKStep != null) {
            topKStep.close();
            topKStep = null;
        }
        if (topValues != null) {
            topValues.close();
            topIds.close();
            topValues = null;
            topIds = null;
        }
    }

    private void runDecode(int token, int pos) {
        runDecode(token, pos, false);
    }

    private void runDecode(int token, int pos, boolean topK) {
        checkRange(pos, pos + 1);
        if (token < 0 || token >= dims.vocabSize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, "
                    + dims.vocabSize() + ")");
        }
        if (deviceToken != token) {
            writeScalar(tokenId, token);
        }
        if (devicePosition != pos) {
            writeScalar(position, pos);
        }
        // The step overwrites the token with its argmax (unknown here until read) and may advance the position;
        // until it has run, neither is known (a failed step leaves both to be written again).
        deviceToken = -1;
        devicePosition = -1;
        if (topK) {
            if (topKStep == null) {
                topKStep = device.capture(this::topKStep);
            } else {
                topKStep.replay();
            }
        } else if (decodeStep == null) {
            decodeStep = device.capture(this::decodeStep);
        } else {
            decodeStep.replay();
        }
        devicePosition = advancesOnDevice ? pos + 1 : pos;
    }

    /** Reads a result of the step just run; a failure there (a replay fails at its first read) forgets the device state. */
    private void readBack(Tensor t, MemorySegment into) {
        try {
            t.download(into);
        } catch (RuntimeException e) {
            deviceToken = -1;
            devicePosition = -1;
            throw e;
        }
    }

    private void decodeStep() {
        ops.embedding(weights.embedding(), tokenId, step.x);
        layers(step, decodeAt);
        ops.rmsNorm(step.x, weights.finalNorm(), dims.rmsNormEps(), step.normed);
        if (weights.screen() != null) {
            // The logits depend on how the caller decodes: each decode method runs its own after the step.
            if (advancesOnDevice) {
                ops.incrementPosition(position);
            }
            return;
        }
        projectLogits();
        // Inside the captured step, so greedy decoding is one replay: the argmax becomes the next step's input
        // token, and the position advances on the device; a sampling caller writes its own token instead.
        ops.argmax(logits, tokenId);
        if (advancesOnDevice) {
            ops.incrementPosition(position);
        }
    }

    /** The decode step for top-k sampling (no screen): the k best logits into topValues / topIds, no argmax. */
    private void topKStep() {
        ops.embedding(weights.embedding(), tokenId, step.x);
        layers(step, decodeAt);
        ops.rmsNorm(step.x, weights.finalNorm(), dims.rmsNormEps(), step.normed);
        projectLogits();
        ops.topK(logits, (int) topValues.shape().dim(0), topValues, topIds);
        if (advancesOnDevice) {
            ops.incrementPosition(position);
        }
    }

    private void projectLogits() {
        if (weights.outputInt8() != null) {
            ops.outputProjectionInt8(step.normed, weights.outputInt8().codes(), weights.outputInt8().rowScales(), logits);
        } else {
            ops.outputProjection(step.normed, weights.output(), logits);
        }
    }

    private void layers(Activations a, Positions at) {
        float eps = dims.rmsNormEps();
        for (int l = 0; l < dims.layers(); l++) {
            DeviceLayer w = weights.layers().get(l);
            ops.rmsNorm(a.x, w.inputNorm(), eps, a.normed);
            ops.ternaryLinearQkv(a.normed, w.q(), w.k(), w.v(), a.q, a.k, a.v);
            at.rope(ops, a.q, dims.heads(), cos, sin);
            at.rope(ops, a.k, dims.kvHeads(), cos, sin);
            at.writeCache(ops, kCache.get(l), a.k);
            at.writeCache(ops, vCache.get(l), a.v);
            at.attend(ops, a.q, kCache.get(l), vCache.get(l), dims.heads(), dims.kvHeads(), a.attn);
            ops.rmsNorm(a.attn, w.attnSubNorm(), eps, a.attn);
            ops.ternaryLinear(a.attn, w.o(), a.proj);
            ops.add(a.x, a.proj, a.x);

            ops.rmsNorm(a.x, w.postAttentionNorm(), eps, a.normed);
            ops.ternaryLinearGateUp(a.normed, w.gate(), w.up(), a.gate, a.up);
            ops.relu2Gate(a.gate, a.up, a.gate);
            ops.rmsNorm(a.gate, w.ffnSubNorm(), eps, a.gate);
            ops.ternaryLinear(a.gate, w.down(), a.proj);
            ops.add(a.x, a.proj, a.x);
        }
    }

    private Activations blockActivations() {
        if (block == null) {
            block = new Activations(device, dims, prefillBlock, MemoryPlacement.DEVICE_DRAM);
        }
        return block;
    }

    private void checkRange(int from, int to) {
        if (from < 0 || to > dims.contextLength() || from > to) {
            throw new IllegalArgumentException("positions [" + from + ", " + to + ") do not fit the context of "
                    + dims.contextLength() + " tokens");
        }
    }

    private void writeScalar(Tensor t, int value) {
        hostScalar.set(ValueLayout.JAVA_INT, 0, value);
        t.upload(hostScalar);
        if (t == tokenId) {
            deviceToken = value;
        } else {
            devicePosition = value;
        }
    }

    private Tensor uploadF32(float[] values, long rows, long cols) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate((long) values.length * Float.BYTES);
            MemorySegment.copy(values, 0, seg, ValueLayout.JAVA_FLOAT, 0, values.length);
            return device.upload(TensorSpec.f32(rows, cols), seg);
        }
    }

    /** Frees the cache and scratch tensors; the weights and device belong to the caller. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (decodeStep != null) {
            decodeStep.close();
        }
        if (block != null) {
            block.close();
        }
        closeTopK();
        if (allowedRows != null) {
            allowedRows.close();
        }
        step.close();
        kCache.forEach(Tensor::close);
        vCache.forEach(Tensor::close);
        List.of(cos, sin, tokenId, position, logits).forEach(Tensor::close);
        hostArena.close();
    }
}
