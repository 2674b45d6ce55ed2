package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The K and V caches that one attention call reads: their element type, their rows and, for
 * {@link Kind#INT8}, their row scales. One holder is kept per call site and refilled, so a warm call
 * allocates nothing.
 */
public final class KvCaches {
    /** How a cache row {@code [Hkv·D]} is stored. */
    public enum Kind {
        F32(4),
        BF16(2),
        /** INT8 codes, one F32 scale per token and kv head, scales head-major ({@code [Hkv][maxSeq]}). */
        INT8(1);

        private final int bytes;

        Kind(int bytes) {
            this.bytes = bytes;
        }

        /** Bytes of one stored element. */
        public int bytes() {
            return bytes;
        }
    }

    Kind kind;
    MemorySegment k;
    MemorySegment v;
    MemorySegment kScales;
    MemorySegment vScales;
    long maxSeq;
    /** INT8 keys are in {@link KeyTiles} order rather than row order. */
    boolean keyTiles;

    /** F32 or BF16 caches. */
    public void set(Kind kind, MemorySegment k, MemorySegment v) {
        set(kind, k, v, null, null, 0, false);
    }

    /**
     * Caches of {@code maxSeq} rows; the scales are those of {@link Kind#INT8} (null otherwise), whose
     * keys are in {@link KeyTiles} order where {@code keyTiles} (which needs {@link KeyTiles#READ}) and in
     * row order otherwise.
     */
    public void set(Kind kind, MemorySegment k, MemorySegment v, MemorySegment kScales, MemorySegment vScales,
                    long maxSeq, boolean keyTiles) {
        if (keyTiles && !KeyTiles.READ) {
            throw new IllegalArgumentException("keys in tiles of " + KeyTiles.ROWS + " rows, which vectors of "
                    + ByteWidening.L + " floats do not divide");
        }
        this.keyTiles = keyTiles;
        this.kind = kind;
        this.k = k;
        this.v = v;
        this.kScales = kScales;
        this.vScales = vScales;
        this.maxSeq = maxSeq;
    }

    public Kind kind() {
        return kind;
    }

    /** Drops the segments, so a holder kept between calls does not keep a closed cache reachable. */
    public void clear() {
        k = null;
        v = null;
        kScales = null;
        vScales = null;
    }
}
