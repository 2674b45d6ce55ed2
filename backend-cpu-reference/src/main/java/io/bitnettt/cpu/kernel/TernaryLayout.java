package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD layout the multiply-add kernels ({@link TernaryMatmul}, {@link TableGemm}) read ternary
 * weights in, used where vectors are narrower than 512 bits ({@link LookupLayout} serves the
 * lookup kernel at 512): still 2 bits per weight, so a GEMV streams as few bytes as the
 * checkpoint, but arranged so that one vector load feeds {@code 8 × LANES} columns.
 *
 * <p>Columns are cut into blocks of {@link #BLOCK_COLS} = 8 · LANES. In a block, int16 lane
 * {@code l} holds column {@code block·BLOCK_COLS + i·LANES + l} in bits {@code 2i..2i+1}
 * (i = 0..7) as the unsigned code {@code u = t + 1} (the Hugging Face code). Rows are grouped by
 * four and the four blocks of a group at one block index are adjacent, so a four-row GEMV reads
 * one contiguous stream. Columns past {@code in} hold code 1 (weight 0).
 *
 * <p>Why unsigned codes: a lane value {@code w} shifted right logically by {@code 2i} equals
 * {@code Σ_{j≥i} u_j·4^(j−i)} exactly, so with the activation pre-combined by
 * {@link #telescope} into {@code x'_i = x_i − 4·x_(i−1)} the sum
 * {@code Σ_i x'_i·(w >>> 2i)} telescopes to {@code Σ_j x_j·u_j} (mod 2^16). A code then costs one
 * shift, one multiply and one add instead of a two-shift sign extension before them, and the
 * kernels subtract {@code Σ_j x_j} once per token to turn {@code u} back into {@code t}.
 *
 * <p>Why the kernels shift pairs of lanes as one int32: C2 on AVX2 has no immediate form for
 * int16 vector shifts, so each {@code ShortVector} shift costs an extra GPR-to-XMM move of the
 * count, while int32 shifts take an immediate; that halves the decode work per code. An int32
 * shift lets the low lane of each pair receive the high lane's bits from the top. Followed through
 * the telescope, those bits add exactly {@code 4·x_7(low)·w(high)} to the low lane, which is
 * {@code x'_0(high)·w(high)} scaled, so {@link #telescope} subtracts {@code 4·x_7(low)} from
 * {@code x'_0(high)} and the pair's sum is exact; single lanes no longer are, so the kernels only
 * ever widen the sum of both lanes of a pair ({@link TernaryMatmul#pairSum}).
 */
public final class TernaryLayout extends WeightLayout {
    public static final VectorSpecies<Short> SPECIES = ShortVector.SPECIES_PREFERRED;
    public static final int LANES = SPECIES.length();
    public static final int CODES_PER_LANE = 8;
    public static final int BLOCK_COLS = LANES * CODES_PER_LANE;
    public static final int GROUP_ROWS = 4;
    public static final int BLOCK_BYTES = LANES * Short.BYTES;
    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ORDER);

    private final int blocks;

    public TernaryLayout(int out, int in) {
        super(out, in);
        if (out % GROUP_ROWS != 0) {
            throw new IllegalArgumentException("ternary shape [" + out + ", " + in + "] needs out divisible by 4");
        }
        this.blocks = (in + BLOCK_COLS - 1) / BLOCK_COLS;
    }

    public int blocks() {
        return blocks;
    }

    /** Columns including padding: the stride of the quantized-activation buffer. */
    @Override
    public int paddedIn() {
        return blocks * BLOCK_COLS;
    }

    @Override
    public int groups() {
        return out() / GROUP_ROWS;
    }

    @Override
    public long byteSize() {
        return (long) out() * blocks * BLOCK_BYTES;
    }

    /** Byte offset of row {@code row}'s lane vector for block {@code block}. */
    public long offset(int row, int block) {
        return (((long) (row / GROUP_ROWS) * blocks + block) * GROUP_ROWS + row % GROUP_ROWS) * BLOCK_BYTES;
    }

    /** Writes a row-major ternary matrix into {@code dst} (at least {@link #byteSize()} bytes). */
    @Override
    public void pack(byte[] ternary, MemorySegment dst) {
        int out = out();
        int in = in();
        for (int row = 0; row < out; row++) {
            for (int b = 0; b < blocks; b++) {
                long off = offset(row, b);
                for (int l = 0; l < LANES; l++) {
                    int bits = 0;
                    for (int i = 0; i < CODES_PER_LANE; i++) {
                        int col = b * BLOCK_COLS + i * LANES + l;
                        int t = col < in ? ternary[row * in + col] : 0;
                        bits |= (t + 1) << (2 * i);
                    }
                    dst.set(SHORT, off + (long) l * Short.BYTES, (short) bits);
                }
            }
        }
    }

    /** Inverse of {@link #pack}, for download and tests. */
    @Override
    public byte[] unpack(MemorySegment src) {
        int out = out();
        int in = in();
        byte[] ternary = new byte[out * in];
        for (int row = 0; row < out; row++) {
            for (int b = 0; b < blocks; b++) {
                long off = offset(row, b);
                for (int l = 0; l < LANES; l++) {
                    int bits = src.get(SHORT, off + (long) l * Short.BYTES);
                    for (int i = 0; i < CODES_PER_LANE; i++) {
                        int col = b * BLOCK_COLS + i * LANES + l;
                        if (col < in) {
                            ternary[row * in + col] = (byte) (((bits >>> (2 * i)) & 3) - 1);
                        }
                    }
                }
            }
        }
        return ternary;
    }

    /**
     * Rewrites a quantized activation of {@code blocks} blocks in place into the form the kernels
     * multiply with ({@code x'_i = x_i − 4·x_(i−1)} per lane within a block, plus the pair fix-up
     * described in the class comment) and returns {@code Σ x}, the correction for the unsigned
     * codes. |x'| ≤ 640 fits in a short.
     */
    public static int telescope(short[] q, int off, int blocks) {
        int sum = 0;
        for (int b = 0; b < blocks; b++) {
            int base = off + b * BLOCK_COLS;
            ShortVector total = ShortVector.zero(SPECIES); // |Σ| ≤ 8·128 per lane: no wrap
            ShortVector first = ShortVector.fromArray(SPECIES, q, base);
            ShortVector prev = first;
            total = total.add(prev);
            for (int i = 1; i < CODES_PER_LANE; i++) {
                ShortVector cur = ShortVector.fromArray(SPECIES, q, base + i * LANES);
                total = total.add(cur);
                cur.sub(prev.lanewise(VectorOperators.LSHL, 2)).intoArray(q, base + i * LANES);
                prev = cur;
            }
            // prev is x_7; moving each pair's low lane into its high lane (times 4) through the
            // same int32 view the kernels shift with cancels the bits that shift leaks downwards.
            ShortVector leak = prev.reinterpretAsInts().lanewise(VectorOperators.LSHL, 18).reinterpretAsShorts();
            first.sub(leak).intoArray(q, base);
            sum += TernaryMatmul.widenSum(total);
        }
        return sum;
    }
}
