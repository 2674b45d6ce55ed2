package io.bitnettt.spi;

import java.lang.foreign.MemorySegment;

/**
 * The fused transformer primitives every backend implements, for one sequence.
 *
 * <p>Conventions: {@code T} is the number of tokens in the call (the prompt block for prefill, 1 for
 * decode); {@code d} the hidden size; {@code H}, {@code Hkv} the query and key/value head counts;
 * {@code D} the head dimension, derived as columns ÷ heads. Activations are F32 row-major
 * {@code [T, features]}; weights may be BF16 where noted. Outputs are written into caller-allocated
 * tensors so the decode step allocates nothing. Positions that change from step to step are passed
 * in a {@link DType#UINT32} {@code [1]} tensor, so a captured step can be replayed after rewriting it.
 * A wrong shape or dtype throws {@link BackendException} naming the operation and the shapes.
 */
public interface TransformerOps {

    /**
     * BitNet W1.58A8 linear: per token, {@code s = 127 / max(max|x|, 1e-5)},
     * {@code q = clamp(roundHalfEven(x·s), -128, 127)}, exact int32 {@code acc = q·Wᵀ},
     * {@code out = acc / s · w.quantScale()}.
     *
     * @param x   F32 {@code [T, in]}
     * @param w   TERNARY_INT2 {@code [out, in]}
     * @param out F32 {@code [T, out]}
     */
    void ternaryLinear(Tensor x, Tensor w, Tensor out);

    /** Q, K and V projections sharing one quantization of {@code x}; shapes as {@link #ternaryLinear}. */
    void ternaryLinearQkv(Tensor x, Tensor wq, Tensor wk, Tensor wv, Tensor q, Tensor k, Tensor v);

    /** Gate and up projections sharing one quantization of {@code x}; shapes as {@link #ternaryLinear}. */
    void ternaryLinearGateUp(Tensor x, Tensor wGate, Tensor wUp, Tensor gate, Tensor up);

    /**
     * {@code out = weight · x / sqrt(mean(x²) + eps)} per row, in F32.
     *
     * @param x      F32 {@code [T, n]}
     * @param weight F32 or BF16 {@code [n]}
     * @param out    F32 {@code [T, n]}; may be {@code x}
     */
    void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out);

    /**
     * Rotary embedding in place over a prefill block, Hugging Face {@code rotate_half} pairing
     * (dims i and i + D/2). Token t has absolute position {@code startPos + t}.
     *
     * @param x   F32 {@code [T, heads·D]}
     * @param cos F32 {@code [maxPos, D]} table, {@code cos(pos · θ^(-2(i mod D/2)/D))}
     * @param sin F32 {@code [maxPos, D]} table
     */
    void rotaryPrefill(Tensor x, int heads, Tensor cos, Tensor sin, int startPos);

    /** As {@link #rotaryPrefill} for one token whose position is read from {@code position} (UINT32 [1]). */
    void rotaryDecode(Tensor x, int heads, Tensor cos, Tensor sin, Tensor position);

    /**
     * Whether this backend keeps KV caches of {@code dtype} ({@link DType#F32}, or {@link DType#BF16} or
     * {@link DType#INT8_ROWS} where supported) for {@link #kvCacheFill}, {@link #kvCacheUpdate} and the
     * attention ops; the default is F32 only.
     */
    default boolean supportsKvCache(DType dtype) {
        return dtype == DType.F32;
    }

    /**
     * Writes a block of keys or values into the cache at rows {@code startPos .. startPos+T-1}; a BF16
     * cache stores each value rounded to nearest even, an INT8_ROWS cache each token's kv head as
     * {@link RowQuantization} codes and their scale.
     *
     * @param cache F32 or BF16 {@code [maxSeq, Hkv·D]}, or INT8_ROWS {@code [maxSeq, Hkv, D]} (see {@link #supportsKvCache})
     * @param kv    F32 {@code [T, Hkv·D]}
     */
    void kvCacheFill(Tensor cache, Tensor kv, int startPos);

    /** Writes one token's keys or values ({@code [1, Hkv·D]}) at the row held in {@code position}. */
    void kvCacheUpdate(Tensor cache, Tensor kv, Tensor position);

    /**
     * Causal grouped-query attention for a prefill block already written to the caches: token t
     * (absolute position {@code startPos + t}) attends to cache rows {@code 0 .. startPos + t}; query
     * head h uses key/value head {@code h / (H / Hkv)}; scores are scaled by {@code 1/sqrt(D)} and
     * softmaxed in F32.
     *
     * @param q      F32 {@code [T, H·D]}
     * @param kCache F32 or BF16 {@code [maxSeq, Hkv·D]}, or INT8_ROWS {@code [maxSeq, Hkv, D]} (see {@link #supportsKvCache})
     * @param vCache as {@code kCache}, of the same dtype
     * @param out    F32 {@code [T, H·D]}
     */
    void attentionPrefill(Tensor q, Tensor kCache, Tensor vCache, int startPos, int heads, int kvHeads, Tensor out);

    /** As {@link #attentionPrefill} for one token at the position held in {@code position} (UINT32 [1]). */
    void attentionDecode(Tensor q, Tensor kCache, Tensor vCache, Tensor position, int heads, int kvHeads, Tensor out);

    /** {@code out = relu(gate)² · up}; all F32 {@code [T, n]}; {@code out} may alias {@code gate}. */
    void relu2Gate(Tensor gate, Tensor up, Tensor out);

    /** {@code out = a + b}; all F32 of one shape; {@code out} may alias {@code a} (the residual stream). */
    void add(Tensor a, Tensor b, Tensor out);

    /**
     * Gathers rows of the embedding table.
     *
     * @param table BF16 or F32 {@code [V, d]}
     * @param ids   UINT32 {@code [T]}; each id must be below V
     * @param out   F32 {@code [T, d]}
     */
    void embedding(Tensor table, Tensor ids, Tensor out);

    /**
     * Logits against the (tied) embedding matrix: {@code logits = x · tableᵀ}.
     *
     * @param x      F32 {@code [T, d]}
     * @param table  BF16 or F32 {@code [V, d]}
     * @param logits F32 {@code [T, V]}
     */
    void outputProjection(Tensor x, Tensor table, Tensor logits);

    /** Whether {@link #outputProjectionInt8} is implemented; the default is no. */
    default boolean supportsInt8OutputProjection() {
        return false;
    }

    /**
     * {@link #outputProjection} against a table quantized per row by {@link RowQuantization}:
     * {@code logits[t, r] = scale_r · Σ_i x[t, i] · q[r, i]}, accumulated in F32 (the activation is
     * not quantized). Optional: backends that do not implement it refuse it, and say so through
     * {@link #supportsInt8OutputProjection()}.
     *
     * @param x         F32 {@code [T, d]}
     * @param tableQ    INT8 {@code [V, d]}, codes in {@code [-127, 127]}
     * @param rowScales F32 {@code [V]}
     * @param logits    F32 {@code [T, V]}
     */
    default void outputProjectionInt8(Tensor x, Tensor tableQ, Tensor rowScales, Tensor logits) {
        String backend = getClass().getSimpleName();
        throw new BackendException(backend, "outputProjectionInt8",
                "int8 output projection is not supported by backend " + backend);
    }

    /** Whether {@link #screenedArgmax} and {@link #screenedTopK} read less than the whole table; the default is no. */
    default boolean supportsScreenedOutput() {
        return false;
    }

    /**
     * The greedy token of one row, exactly {@code argmax(outputProjection(x, table.table()))} (first
     * index on ties), without computing every logit in full precision: a backend that supports it
     * scans the int8 copy, bounds each row's full-precision logit within {@code ‖x‖₂ · C_r}
     * ({@link LogitScreen}), and recomputes in full only the rows whose upper bound reaches the best
     * lower bound; when a bound cannot be formed (non-finite values) it computes every row. The
     * default runs {@link #outputProjection} and {@link #argmax}.
     *
     * @param x      F32 {@code [1, d]}
     * @param logits F32 {@code [1, V]} scratch; its contents afterwards are unspecified
     * @param out    UINT32 {@code [1]}
     */
    default void screenedArgmax(Tensor x, ScreenedTable table, Tensor logits, Tensor out) {
        outputProjection(x, table.table(), logits);
        argmax(logits, out);
    }

    /** What {@link #screenedArgmaxAllowed} writes when it leaves the choice to the caller. */
    int UNDECIDED = -1;

    /**
     * As {@link #screenedArgmax} among the rows {@code allowed} lets through (a constrained greedy
     * step): the first row of largest logit among them, exactly what the full logits with every
     * other row set to −∞ give. Rows not allowed are neither read nor bounded. Where the screen
     * cannot decide (a non-finite value or bound, no row allowed) it writes {@link #UNDECIDED} and
     * leaves every row's full logit in {@code logits}, for the caller to mask and select from as it
     * would without a screen; the default always does that.
     *
     * @param allowed UINT32 {@code [⌈V/32⌉]}: row {@code r} is allowed where bit {@code r % 32} of word {@code r / 32} is set
     * @param logits  F32 {@code [1, V]}; the full logits after an {@link #UNDECIDED} call, else unspecified
     * @param out     UINT32 {@code [1]}
     */
    default void screenedArgmaxAllowed(Tensor x, ScreenedTable table, Tensor allowed, Tensor logits, Tensor out) {
        outputProjection(x, table.table(), logits);
        out.upload(MemorySegment.ofArray(new int[] {UNDECIDED}));
    }

    /**
     * As {@link #screenedArgmax} for the {@code k} largest logits: exactly what {@link #topK} gives
     * on the full logits (values in full precision, descending, lower index first on ties). Rows
     * whose upper bound reaches the k-th largest lower bound are recomputed.
     */
    default void screenedTopK(Tensor x, ScreenedTable table, Tensor logits, int k, Tensor values, Tensor indices) {
        outputProjection(x, table.table(), logits);
        topK(logits, k, values, indices);
    }

    /** Index of the largest logit per row (the first on ties). logits F32 {@code [T, V]}, out UINT32 {@code [T]}. */
    void argmax(Tensor logits, Tensor out);

    /** Whether {@link #incrementPosition} is implemented; the default is no. */
    default boolean supportsIncrementPosition() {
        return false;
    }

    /**
     * {@code position += 1} on the device, for a UINT32 {@code [1]} position tensor. Inside a captured
     * step it is recorded like any op, so each replay advances the position the next replay reads and a
     * greedy step needs no write from the host (together with {@link #argmax} writing the next token into
     * the step's input). Optional: backends that do not implement it refuse it, and say so through
     * {@link #supportsIncrementPosition()}; their callers write the position before each step instead.
     */
    default void incrementPosition(Tensor position) {
        String backend = getClass().getSimpleName();
        throw new BackendException(backend, "incrementPosition",
                "on-device position increments are not supported by backend " + backend);
    }

    /**
     * The {@code k} largest logits of a single row, in descending order (lower index first on ties).
     *
     * @param logits  F32 {@code [1, V]}
     * @param values  F32 {@code [k]}
     * @param indices UINT32 {@code [k]}
     */
    void topK(Tensor logits, int k, Tensor values, Tensor indices);
}
