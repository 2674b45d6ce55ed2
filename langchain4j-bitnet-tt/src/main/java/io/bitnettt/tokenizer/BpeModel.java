package io.bitnettt.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE over one pre-tokenized piece: start from one token per UTF-8 byte and repeatedly
 * join the adjacent pair with the lowest merge rank (leftmost first on ties), as the Rust tokenizers
 * crate does. The pairs live in a doubly linked list and candidate merges in a min-heap, so a piece
 * of n bytes costs O(n log n) rather than the O(n^2) of rescanning for the best pair after every merge.
 */
final class BpeModel {
    /** Pieces longer than this are not cached: they are rare and would crowd out useful entries. */
    private static final int MAX_CACHED_PIECE_CHARS = 256;

    private final Map<String, Integer> vocab;
    private final MergeTable merges;
    private final int[] byteIds = new int[256];
    private final boolean ignoreMerges;
    private final int cacheCapacity;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocab byte-level token string to id
     * @param merges merge rules by id pair
     * @param ignoreMerges when set, a piece that is itself a vocabulary entry maps straight to it
     *     (Llama 3 needs this: some of its entries are not reachable through the merge list)
     * @param cacheCapacity how many distinct pieces to remember; 0 disables the cache
     */
    BpeModel(Map<String, Integer> vocab, MergeTable merges, boolean ignoreMerges, int cacheCapacity, String source) {
        this.vocab = vocab;
        this.merges = merges;
        this.ignoreMerges = ignoreMerges;
        this.cacheCapacity = cacheCapacity;
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevelAlphabet.charOf(b)));
            if (id == null) {
                throw new TokenizerException(source + ": model.vocab lacks the byte-level token for byte 0x"
                        + Integer.toHexString(b) + " ('" + ByteLevelAlphabet.charOf(b) + "'); byte-level BPE needs all 256");
            }
            byteIds[b] = id;
        }
    }

    /** Appends the ids of one pre-tokenized piece to {@code out}. */
    void encodePiece(String piece, IntList out) {
        int[] cached = cache.get(piece);
        if (cached != null) {
            out.addAll(cached);
            return;
        }
        int[] ids = encodeUncached(piece);
        if (cacheCapacity > 0 && piece.length() <= MAX_CACHED_PIECE_CHARS && cache.size() < cacheCapacity) {
            cache.put(piece, ids);
        }
        out.addAll(ids);
    }

    int[] encodeUncached(String piece) {
        byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
        if (ignoreMerges) {
            Integer whole = vocab.get(ByteLevelAlphabet.encode(utf8));
            if (whole != null) {
                return new int[] {whole};
            }
        }
        int n = utf8.length;
        int[] sym = new int[n];
        for (int i = 0; i < n; i++) {
            sym[i] = byteIds[utf8[i] & 0xFF];
        }
        return n < 2 ? sym : merge(sym);
    }

    private int[] merge(int[] sym) {
        int n = sym.length;
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        // Each merge pushes at most two new candidates, so 3n bounds the heap.
        LongMinHeap heap = new LongMinHeap(3 * n);
        for (int i = 0; i + 1 < n; i++) {
            offer(heap, sym, i, i + 1);
        }
        int alive = n;
        while (!heap.isEmpty()) {
            long entry = heap.poll();
            int rank = (int) (entry >>> 32);
            int pos = (int) entry;
            int right = next[pos];
            if (sym[pos] < 0 || right < 0) {
                continue;
            }
            long rule = merges.get(sym[pos], sym[right]);
            // Stale entry: one side was merged into something else since it was queued.
            if (rule < 0 || (int) (rule >>> 32) != rank) {
                continue;
            }
            sym[pos] = (int) rule;
            sym[right] = -1;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                prev[next[pos]] = pos;
                offer(heap, sym, pos, next[pos]);
            }
            if (prev[pos] >= 0) {
                offer(heap, sym, prev[pos], pos);
            }
            alive--;
        }
        int[] out = new int[alive];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            out[k++] = sym[i];
        }
        return out;
    }

    private void offer(LongMinHeap heap, int[] sym, int left, int right) {
        long rule = merges.get(sym[left], sym[right]);
        if (rule >= 0) {
            // Ordering by (rank, position) gives lowest rank first and leftmost on ties.
            heap.add((rule & 0xFFFFFFFF00000000L) | left);
        }
    }

    int cachedPieces() {
        return cache.size();
    }

    /** A growable int array, to avoid boxing on the encode path. */
    static final class IntList {
        private int[] data = new int[16];
        private int size;

        void add(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        void addAll(int[] values) {
            if (size + values.length > data.length) {
                data = Arrays.copyOf(data, Math.max(size * 2, size + values.length));
            }
            System.arraycopy(values, 0, data, size, values.length);
            size += values.length;
        }

        int size() {
            return size;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
