package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ShortVector;

/**
 * The layout {@link LookupMatmul} reads: rows in the int16 lanes of a 512-bit vector, 32 rows to a
 * group, and in each lane word nine columns as three 5-bit indices, each the base-3 number
 * {@code u0 + 3·u1 + 9·u2} of three codes {@code u = t + 1}. A 3^3 = 27-entry table of the signed
 * sums of three activation columns then fits one vector of 32 int16 entries, and one
 * {@code vpermw} (the Vector API's {@code selectFrom}) looks up all 32 rows' partial sums for three
 * columns; the instruction reads only the low 5 bits of each index, so the three fields of a word
 * need shifts but no masks.
 *
 * <p>16 bits per nine weights is 1.78 bits a weight, less than the checkpoint's 2. A word of one
 * group (its 32 rows' lanes) is 64 contiguous bytes. The words are ordered as the GEMV reads
 * them, so that one token's pass over a whole matrix is one forward stream: the columns are cut
 * into chunks of {@link #CHUNK_WORDS} words (the kernel's int16 flush), and within a chunk the
 * groups come in slabs of {@link #SLAB_GROUPS}, each slab's words interleaved word by word
 * ({@link #offset}). The kernel then walks a chunk's slabs in order with that chunk's tables,
 * 5.4 KB, held in L1. With each group's words contiguous instead, the GEMV read four streams
 * (one per group of a slab) and reloaded the tables from L2 for every slab: in a scratch harness
 * on a Zen 4 VM it streamed at 13–15 GB/s where this order reaches 19.6–21.4, and in a decode step
 * on one thread 14–15 where it reaches 17–18 (README, "One stream per matrix").
 * Columns past {@code in} and rows past {@code out} hold code 1 (weight 0); bit 15 is 0.
 *
 * <p>The kernels need 512-bit int16 permutes, which the JIT emits only with AVX-512BW; where the
 * preferred vector is narrower ({@link #SUPPORTED} is false) the CPU backend uses
 * {@link TernaryLayout} and the multiply-add kernels instead.
 */
public final class LookupLayout extends WeightLayout {
    /** Rows per group: the int16 lanes of a 512-bit vector. */
    public static final int GROUP_ROWS = 32;
    public static final int COLUMNS_PER_WORD = 9;
    public static final int FIELD_BITS = 5;
    public static final int WORD_BYTES = GROUP_ROWS * Short.BYTES;
    /** True where the preferred vector is 512 bits wide, so the lookup kernels compile to vpermw. */
    public static final boolean SUPPORTED = ShortVector.SPECIES_PREFERRED.length() >= GROUP_ROWS;
    /** Words per column chunk: {@link LookupMatmul}'s int16 sums of this many words cannot overflow. */
    public static final int CHUNK_WORDS = 28;
    /** Groups per slab: the groups whose words a GEMV reads side by side. */
    public static final int SLAB_GROUPS = 4;
    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ORDER);
    private static final int ZERO_FIELD = 1 + 3 + 9;

    private final int words;
    private final int groups;

    public LookupLayout(int out, int in) {
        super(out, in);
        this.words = (in + COLUMNS_PER_WORD - 1) / COLUMNS_PER_WORD;
        this.groups = (out + GROUP_ROWS - 1) / GROUP_ROWS;
        Math.multiplyExact(Math.multiplyExact(groups, words), WORD_BYTES); // fits the kernels' int offsets
    }

    /** Lane words per row: nine columns each. */
    public int words() {
        return words;
    }

    @Override
    public int groups() {
        return groups;
    }

    @Override
    public int paddedIn() {
        return words * COLUMNS_PER_WORD;
    }

    @Override
    public long byteSize() {
        return (long) groups * words * WORD_BYTES;
    }

    /** Words in the chunk that starts at word {@code j0} (a multiple of {@link #CHUNK_WORDS}). */
    public int chunkWords(int j0) {
        return Math.min(CHUNK_WORDS, words - j0);
    }

    /** Groups in slab {@code slab}: {@link #SLAB_GROUPS}, fewer in a last slab. */
    public int slabGroups(int slab) {
        return Math.min(SLAB_GROUPS, groups - slab * SLAB_GROUPS);
    }

    /**
     * Byte offset of slab {@code slab}'s words in the chunk that starts at word {@code j0}: the
     * chunks before it hold {@code j0} words of every group, and the slabs before it in this chunk
     * are whole.
     */
    public long slabOffset(int j0, int slab) {
        return ((long) j0 * groups + (long) slab * SLAB_GROUPS * chunkWords(j0)) * WORD_BYTES;
    }

    /** Byte offset of row {@code row}'s lane in word {@code word}. */
    long offset(int row, int word) {
        int group = row / GROUP_ROWS;
        int slab = group / SLAB_GROUPS;
        int j0 = word - word % CHUNK_WORDS;
        long inSlab = (long) (word - j0) * slabGroups(slab) + group % SLAB_GROUPS;
        return slabOffset(j0, slab) + inSlab * WORD_BYTES + (long) (row % GROUP_ROWS) * Short.BYTES;
    }

    @Override
    public void pack(byte[] ternary, MemorySegment dst) {
        int out = out();
        int in = in();
        for (int row = 0; row < groups * GROUP_ROWS; row++) {
            for (int j = 0; j < words; j++) {
                int word = 0;
                for (int f = 0; f < 3; f++) {
                    int field = ZERO_FIELD;
                    if (row < out) {
                        field = 0;
                        for (int d = 2; d >= 0; d--) {
                            int col = j * COLUMNS_PER_WORD + 3 * f + d;
                            field = 3 * field + (col < in ? ternary[row * in + col] + 1 : 1);
                        }
                    }
                    word |= field << (FIELD_BITS * f);
                }
                dst.set(SHORT, offset(row, j), (short) word);
            }
        }
    }

    @Override
    public byte[] unpack(MemorySegment src) {
        int out = out();
        int in = in();
        byte[] ternary = new byte[out * in];
        for (int row = 0; row < out; row++) {
            for (int j = 0; j < words; j++) {
                int word = src.get(SHORT, offset(row, j));
                for (int f = 0; f < 3; f++) {
                    int field = (word >>> (FIELD_BITS * f)) & ((1 << FIELD_BITS) - 1);
                    for (int d = 0; d < 3; d++, field /= 3) {
                        int col = j * COLUMNS_PER_WORD + 3 * f + d;
                        if (col < in) {
                            ternary[row * in + col] = (byte) (field % 3 - 1);
                        }
                    }
                }
            }
        }
        return ternary;
    }
}
