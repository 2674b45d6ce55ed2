package io.bitnettt.tokenizer;

/**
 * Merge rules keyed by the pair of token ids they join. An open-addressing table of primitive longs:
 * 280k Llama 3 merges in boxed maps would cost tens of MB and a pointer chase per lookup on the
 * hottest path of encoding.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private final long[] keys;
    /** rank in the high 32 bits, id of the merged token in the low 32 bits. */
    private final long[] values;
    private final int mask;
    private int size;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        java.util.Arrays.fill(keys, EMPTY);
        mask = capacity - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 33) & mask;
    }

    /** Adds a rule unless the pair already has one (the first, lowest-ranked rule wins). */
    void putIfAbsent(int left, int right, int rank, int merged) {
        long k = key(left, right);
        int i = slot(k);
        while (keys[i] != EMPTY) {
            if (keys[i] == k) {
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = k;
        values[i] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
        size++;
    }

    /** rank and merged id packed as above, or -1 when the pair has no rule. */
    long get(int left, int right) {
        long k = key(left, right);
        int i = slot(k);
        while (true) {
            long found = keys[i];
            if (found == k) {
                return values[i];
            }
            if (found == EMPTY) {
                return -1L;
            }
            i = (i + 1) & mask;
        }
    }

    int size() {
        return size;
    }
}
