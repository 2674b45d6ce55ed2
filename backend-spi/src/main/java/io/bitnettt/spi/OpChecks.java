package io.bitnettt.spi;

import java.util.Arrays;

/**
 * Argument checks shared by backends, so every backend reports a bad call the same way: the
 * backend, the operation, the argument and both the shape it had and the shape it needed.
 */
public final class OpChecks {
    private final String backend;

    public OpChecks(String backend) {
        this.backend = backend;
    }

    public BackendException fail(String op, String message) {
        return new BackendException(backend, op, message);
    }

    public void requireOpen(String op, String name, Tensor t) {
        if (t == null) {
            throw fail(op, name + " is null");
        }
        if (t.isClosed()) {
            throw fail(op, name + " " + t.shape() + " was already deallocated");
        }
    }

    /*
     * The fixed-arity overloads below exist so the checks a decode step runs allocate nothing: a
     * varargs call builds an array, and Shape.of or toArray another.
     */

    public void requireDType(String op, String name, Tensor t, DType expected) {
        requireOpen(op, name, t);
        if (t.dtype() != expected) {
            throw fail(op, name + " " + t.shape() + " has dtype " + t.dtype() + ", expected " + expected);
        }
    }

    public void requireDType(String op, String name, Tensor t, DType first, DType second) {
        requireOpen(op, name, t);
        if (t.dtype() != first && t.dtype() != second) {
            throw fail(op, name + " " + t.shape() + " has dtype " + t.dtype() + ", expected one of ["
                    + first + ", " + second + "]");
        }
    }

    public void requireDType(String op, String name, Tensor t, DType first, DType second, DType third) {
        requireOpen(op, name, t);
        if (t.dtype() != first && t.dtype() != second && t.dtype() != third) {
            throw fail(op, name + " " + t.shape() + " has dtype " + t.dtype() + ", expected one of ["
                    + first + ", " + second + ", " + third + "]");
        }
    }

    public void requireDType(String op, String name, Tensor t, DType... allowed) {
        requireOpen(op, name, t);
        for (DType d : allowed) {
            if (t.dtype() == d) {
                return;
            }
        }
        throw fail(op, name + " " + t.shape() + " has dtype " + t.dtype() + ", expected "
                + (allowed.length == 1 ? allowed[0] : "one of " + Arrays.toString(allowed)));
    }

    public void requireShape(String op, String name, Tensor t, long... expected) {
        requireOpen(op, name, t);
        if (!t.shape().equals(Shape.of(expected))) {
            throw fail(op, name + " has shape " + t.shape() + ", expected " + Arrays.toString(expected));
        }
    }

    public void requireShape(String op, String name, Tensor t, long d0) {
        requireOpen(op, name, t);
        Shape shape = t.shape();
        if (shape.rank() != 1 || shape.dim(0) != d0) {
            throw fail(op, name + " has shape " + shape + ", expected [" + d0 + "]");
        }
    }

    public void requireShape(String op, String name, Tensor t, long d0, long d1) {
        requireOpen(op, name, t);
        Shape shape = t.shape();
        if (shape.rank() != 2 || shape.dim(0) != d0 || shape.dim(1) != d1) {
            throw fail(op, name + " has shape " + shape + ", expected [" + d0 + ", " + d1 + "]");
        }
    }

    public void requireShape(String op, String name, Tensor t, long d0, long d1, long d2) {
        requireOpen(op, name, t);
        Shape shape = t.shape();
        if (shape.rank() != 3 || shape.dim(0) != d0 || shape.dim(1) != d1 || shape.dim(2) != d2) {
            throw fail(op, name + " has shape " + shape + ", expected [" + d0 + ", " + d1 + ", " + d2 + "]");
        }
    }

    /** {@code t} must have the shape of {@code like}. */
    public void requireShapeOf(String op, String name, Tensor t, Tensor like) {
        requireOpen(op, name, t);
        if (!t.shape().equals(like.shape())) {
            throw fail(op, name + " has shape " + t.shape() + ", expected " + like.shape());
        }
    }

    public void requireRank(String op, String name, Tensor t, int rank) {
        requireOpen(op, name, t);
        if (t.shape().rank() != rank) {
            throw fail(op, name + " has shape " + t.shape() + ", expected rank " + rank);
        }
    }

    /** Checks {@code x [T, in]}, {@code w [out, in]}, {@code y [T, out]} for a ternary linear. */
    public void requireLinear(String op, Tensor x, Tensor w, Tensor y) {
        requireDType(op, "x", x, DType.F32);
        requireRank(op, "x", x, 2);
        requireDType(op, "w", w, DType.TERNARY_INT2);
        if (w.shape().dim(1) != x.shape().dim(1)) {
            throw fail(op, "x has shape " + x.shape() + " but w has shape " + w.shape()
                    + ": x's columns must equal w's input size " + w.shape().dim(1));
        }
        requireDType(op, "out", y, DType.F32);
        requireShape(op, "out", y, x.shape().dim(0), w.shape().dim(0));
    }

    /** Checks that {@code heads} divides the columns of {@code x} and returns the head dimension. */
    public int headDim(String op, String name, Tensor x, int heads) {
        if (heads <= 0 || x.shape().dim(1) % heads != 0) {
            throw fail(op, name + " has shape " + x.shape() + ", whose columns are not divisible by heads=" + heads);
        }
        return Math.toIntExact(x.shape().dim(1) / heads);
    }

    // ---- the argument contracts of TransformerOps, shared by every backend -------------------

    /** Rotary operands: x F32 [T, heads·D] with D even, cos/sin F32 [maxPos, D]; returns D. */
    public int rotary(String op, Tensor x, int heads, Tensor cos, Tensor sin) {
        requireDType(op, "x", x, DType.F32);
        requireRank(op, "x", x, 2);
        int dim = headDim(op, "x", x, heads);
        if (dim % 2 != 0) {
            throw fail(op, "x has shape " + x.shape() + " with odd head dim " + dim + "; rotate_half needs it even");
        }
        requireDType(op, "cos", cos, DType.F32);
        requireRank(op, "cos", cos, 2);
        if (cos.shape().dim(1) != dim) {
            throw fail(op, "cos has shape " + cos.shape() + ", expected [maxPos, " + dim + "] for x " + x.shape()
                    + " with " + heads + " heads");
        }
        requireDType(op, "sin", sin, DType.F32);
        requireShapeOf(op, "sin", sin, cos);
        return dim;
    }

    /** KV-cache operands: cache F32 or BF16 [maxSeq, Hkv·D] and kv F32 [T, Hkv·D]. */
    public void kvCache(String op, Tensor cache, Tensor kv) {
        requireDType(op, "cache", cache, DType.F32, DType.BF16, DType.INT8_ROWS);
        requireCacheRank(op, "cache", cache);
        requireDType(op, "kv", kv, DType.F32);
        requireRank(op, "kv", kv, 2);
        if (kv.shape().dim(1) != cacheWidth(cache)) {
            throw fail(op, "kv has shape " + kv.shape() + " but cache has shape " + cache.shape()
                    + ": their columns (Hkv·D) must match");
        }
    }

    /**
     * Attention operands (see {@link TransformerOps#attentionPrefill}), the caches F32, BF16 or INT8_ROWS
     * and of one dtype; returns the head dimension D.
     */
    public int attention(String op, Tensor q, Tensor kCache, Tensor vCache, int heads, int kvHeads, Tensor out) {
        requireDType(op, "q", q, DType.F32);
        requireRank(op, "q", q, 2);
        int dim = headDim(op, "q", q, heads);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw fail(op, "heads=" + heads + " is not a multiple of kvHeads=" + kvHeads + " (q " + q.shape() + ")");
        }
        requireDType(op, "kCache", kCache, DType.F32, DType.BF16, DType.INT8_ROWS);
        requireCacheRank(op, "kCache", kCache);
        if (kCache.dtype() == DType.INT8_ROWS) {
            requireShape(op, "kCache", kCache, kCache.shape().dim(0), kvHeads, dim);
        } else {
            requireShape(op, "kCache", kCache, kCache.shape().dim(0), (long) kvHeads * dim);
        }
        requireDType(op, "vCache", vCache, kCache.dtype());
        requireShapeOf(op, "vCache", vCache, kCache);
        requireDType(op, "out", out, DType.F32);
        requireShapeOf(op, "out", out, q);
        return dim;
    }

    /** F32 and BF16 caches are {@code [maxSeq, Hkv·D]}; INT8_ROWS ones {@code [maxSeq, Hkv, D]}, a scale per row of D. */
    private void requireCacheRank(String op, String name, Tensor cache) {
        if (cache.dtype() == DType.INT8_ROWS && cache.shape().rank() != 3) {
            throw fail(op, name + " " + cache.shape() + " is INT8_ROWS, which needs rank 3: [maxSeq, Hkv, D], one scale"
                    + " per token and kv head");
        }
        requireRank(op, name, cache, cache.dtype() == DType.INT8_ROWS ? 3 : 2);
    }

    /** Hkv·D of a cache: its second dimension, or the second and third of an INT8_ROWS {@code [maxSeq, Hkv, D]}. */
    private static long cacheWidth(Tensor cache) {
        return cache.shape().elementCount() / cache.shape().dim(0);
    }

    /** A decode operand holds exactly one token row. */
    public void singleToken(String op, String name, Tensor t) {
        if (t.shape().dim(0) != 1) {
            throw fail(op, name + " has shape " + t.shape() + ", expected a single token row [1, " + t.shape().dim(1) + "]");
        }
    }

    /** A position operand is UINT32 [1]; its value is the backend's to read (it may live on a device). */
    public void positionTensor(String op, Tensor position) {
        requireDType(op, "position", position, DType.UINT32);
        requireShape(op, "position", position, 1);
    }

    /** Rows {@code start .. start+count-1} must exist in {@code table} (a cache or rotary table). */
    public void positions(String op, String name, Tensor table, long start, long count) {
        if (start < 0 || start + count > table.shape().dim(0)) {
            throw fail(op, "positions " + start + ".." + (start + count - 1) + " are outside " + name + " "
                    + table.shape() + " (rows 0.." + (table.shape().dim(0) - 1) + ")");
        }
    }

    /** Output-projection operands: x F32 [T, d], table BF16 or F32 [V, d], logits F32 [T, V]. */
    public void outputProjection(String op, Tensor x, Tensor table, Tensor logits) {
        requireDType(op, "x", x, DType.F32);
        requireRank(op, "x", x, 2);
        requireDType(op, "table", table, DType.BF16, DType.F32);
        requireRank(op, "table", table, 2);
        if (table.shape().dim(1) != x.shape().dim(1)) {
            throw fail(op, "x has shape " + x.shape() + " but table has shape " + table.shape()
                    + ": x's columns must equal the table's width");
        }
        requireDType(op, "logits", logits, DType.F32);
        requireShape(op, "logits", logits, x.shape().dim(0), table.shape().dim(0));
    }

    /**
     * Screened-projection operands: x F32 [1, d], the table as {@link #outputProjection} with logits
     * [1, V], codes INT8 [V, d], rowScales and rowBounds F32 [V].
     */
    public void screened(String op, Tensor x, ScreenedTable table, Tensor logits) {
        if (table == null) {
            throw fail(op, "table is null");
        }
        outputProjection(op, x, table.table(), logits);
        singleToken(op, "x", x);
        long v = table.table().shape().dim(0);
        long d = table.table().shape().dim(1);
        requireDType(op, "codes", table.codes(), DType.INT8);
        requireShape(op, "codes", table.codes(), v, d);
        requireDType(op, "rowScales", table.rowScales(), DType.F32);
        requireShape(op, "rowScales", table.rowScales(), v);
        requireDType(op, "rowBounds", table.rowBounds(), DType.F32);
        requireShape(op, "rowBounds", table.rowBounds(), v);
    }

    /** A row mask for {@code logits} F32 [1, V]: UINT32 [⌈V/32⌉], one bit a row. */
    public void rowMask(String op, Tensor allowed, Tensor logits) {
        requireDType(op, "allowed", allowed, DType.UINT32);
        requireShape(op, "allowed", allowed, (logits.shape().dim(1) + 31) / 32);
    }

    /** RMSNorm operands: x and out F32 [T, n], weight F32 or BF16 [n], eps finite and >= 0. */
    public void rmsNorm(String op, Tensor x, Tensor weight, float eps, Tensor out) {
        requireDType(op, "x", x, DType.F32);
        requireRank(op, "x", x, 2);
        requireDType(op, "weight", weight, DType.F32, DType.BF16);
        requireShape(op, "weight", weight, x.shape().dim(1));
        requireDType(op, "out", out, DType.F32);
        requireShapeOf(op, "out", out, x);
        if (!(eps >= 0f) || Float.isInfinite(eps)) {
            throw fail(op, "eps must be finite and >= 0, was " + eps);
        }
    }

    /** Element-wise operands: a, b and out F32 of one shape. */
    public void elementwise(String op, Tensor a, Tensor b, Tensor out, String aName, String bName) {
        requireDType(op, aName, a, DType.F32);
        requireDType(op, bName, b, DType.F32);
        requireShapeOf(op, bName, b, a);
        requireDType(op, "out", out, DType.F32);
        requireShapeOf(op, "out", out, a);
    }

    /** Embedding operands: table BF16 or F32 [V, d], ids UINT32 [T], out F32 [T, d]; id values are the backend's to check. */
    public void embedding(String op, Tensor table, Tensor ids, Tensor out) {
        requireDType(op, "table", table, DType.BF16, DType.F32);
        requireRank(op, "table", table, 2);
        requireDType(op, "ids", ids, DType.UINT32);
        requireRank(op, "ids", ids, 1);
        requireDType(op, "out", out, DType.F32);
        requireShape(op, "out", out, ids.shape().dim(0), table.shape().dim(1));
    }

    /** Argmax operands: logits F32 [T, V], out UINT32 [T]. */
    public void argmax(String op, Tensor logits, Tensor out) {
        requireDType(op, "logits", logits, DType.F32);
        requireRank(op, "logits", logits, 2);
        requireDType(op, "out", out, DType.UINT32);
        requireShape(op, "out", out, logits.shape().dim(0));
    }

    /** Top-k operands: logits F32 [1, V], 1 <= k <= V, values F32 [k], indices UINT32 [k]. */
    public void topK(String op, Tensor logits, int k, Tensor values, Tensor indices) {
        requireDType(op, "logits", logits, DType.F32);
        requireRank(op, "logits", logits, 2);
        if (logits.shape().dim(0) != 1) {
            throw fail(op, "logits has shape " + logits.shape() + ", expected a single row [1, V]");
        }
        if (k < 1 || k > logits.shape().dim(1)) {
            throw fail(op, "k=" + k + " must be in 1.." + logits.shape().dim(1) + " for logits " + logits.shape());
        }
        requireDType(op, "values", values, DType.F32);
        requireShape(op, "values", values, k);
        requireDType(op, "indices", indices, DType.UINT32);
        requireShape(op, "indices", indices, k);
    }
}
