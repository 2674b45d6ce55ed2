package io.bitnettt.jmh.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.bitnettt.cpu.kernel.ActivationQuantizer;
import io.bitnettt.cpu.kernel.TernaryLayout;
import io.bitnettt.cpu.kernel.TernaryMatmul;
import io.bitnettt.jmh.BenchJvm;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One-token ternary GEMV on one thread, so a candidate decode kernel can be compared with
 * {@link TernaryMatmul#gemv} in one fork: {@code kernel=current} is the production multiply-add
 * loop, {@code lut} a table-lookup prototype ({@link LutGemv}) that includes building its per-token
 * tables in the measured time, {@code tables} the table build alone. (A variant with column chunks
 * outermost, keeping the tables in L1, was no faster.) Setup checks every kernel against a scalar int
 * sum, bit for bit. {@code Gweights/s = ops/s · out · in / 1e9}.
 *
 * <p>Outcome on the AVX2 EPYC (Zen 3) CI-class machine: the lookup variants ran at about half the
 * speed of {@code current}, so production stays on the multiply-add loop. Why: the Vector API
 * reaches {@code pshufb} only through a 128-bit {@code ByteVector.selectFrom} (a 256-bit byte
 * selectFrom has to be cross-lane, which AVX2 lacks as one instruction; not measured here), and int16 table entries need two lookups
 * per group, so a 64-weight step costs about as many vector instructions (4 shuffles, 4 byte adds,
 * 3 for the indices, plus widening) as the 12 of the multiply-add loop, each on half-width
 * registers, with spills C2 adds around the table loads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class GemvKernelBenchmark {
    @Param({"current", "lut", "tables"})
    public String kernel;

    /** out×in: attention q (2560×2560) and the MLP down projection (2560×6912). */
    @Param({"2560x2560", "2560x6912"})
    public String shape;

    private int out;
    private int in;
    private Arena arena;
    private TernaryLayout layout;
    private MemorySegment w;
    private MemorySegment y;
    private short[] q;
    private short[] qTelescoped;
    private int qSum;
    private float s;
    private LutGemv lut;

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        out = Integer.parseInt(dims[0]);
        in = Integer.parseInt(dims[1]);
        Random r = new Random(7);
        arena = Arena.ofShared();
        layout = new TernaryLayout(out, in);
        byte[] ternary = new byte[out * in];
        for (int i = 0; i < ternary.length; i++) {
            ternary[i] = (byte) (r.nextInt(3) - 1);
        }
        w = arena.allocate(layout.byteSize(), 64);
        layout.pack(ternary, w);
        y = arena.allocate(4L * out, 64);
        float[] x = new float[in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        // One outlier column at full scale so some activations reach ±127/−128 after rounding.
        x[3] = -x[3] * 40;
        int stride = layout.paddedIn();
        q = new short[stride];
        s = ActivationQuantizer.quantize(MemorySegment.ofArray(x), 0, in, q, 0, stride);
        qTelescoped = q.clone();
        qSum = TernaryLayout.telescope(qTelescoped, 0, layout.blocks());
        lut = new LutGemv(ternary, out, in, arena);

        float[] expected = new float[out];
        for (int j = 0; j < out; j++) {
            int acc = 0;
            for (int k = 0; k < in; k++) {
                acc += q[k] * ternary[j * in + k];
            }
            expected[j] = (float) acc / s * 0.5f;
        }
        for (String k : new String[] {"current", "lut"}) {
            y.fill((byte) 0);
            run(k);
            for (int j = 0; j < out; j++) {
                float got = y.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(expected[j])) {
                    throw new IllegalStateException(k + " row " + j + ": " + got + " != scalar " + expected[j]);
                }
            }
        }
    }

    private void run(String k) {
        if (k.equals("lut")) {
            lut.gemv(q, s, 0.5f, y);
        } else if (k.equals("tables")) {
            lut.buildTables(q); // the per-token table build alone, to size its share of "lut"
        } else {
            TernaryMatmul.gemv(w, layout, qTelescoped, 0, qSum, s, 0.5f, y, 0, 0, layout.groups());
        }
    }

    @Benchmark
    public void gemv() {
        run(kernel);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /**
     * Table-lookup GEMV prototype. Columns pair up into groups; a group's two codes u = t + 1 form
     * a 4-bit index {@code u0 + 4·u1}. Per token, each group gets a 16-entry table of
     * {@code B = t0·x0 + t1·x1 + 256} ∈ [0, 512], split into 5-bit halves (lo = B & 31, hi = B >> 5)
     * so each half fits a byte and a 128-bit {@code selectFrom} (pshufb) looks up 16 rows at once.
     * Weights are stored per 16-row tile, one byte per row holding two groups' indices, so one
     * 16-byte load feeds 16 rows × 4 columns. Byte accumulators take 4 steps (lo ≤ 8·31) before
     * being zero-extended into int16, which is widened to int32 every {@link #CHUNK_STEPS} steps.
     */
    static final class LutGemv {
        static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
        static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
        static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
        static final int TILE = 16;
        static final int FLUSH_STEPS = 4;
        /** 256 steps: lo int16 ≤ 64·248, hi ≤ 64·128, both below 2^15. */
        static final int CHUNK_STEPS = 256;

        final int out;
        final int in;
        final int steps; // bytes per row = in padded to 4 / 4
        final int tiles;
        final MemorySegment w;
        final byte[] tab; // per group: 16 lo bytes then 16 hi bytes
        final int[] acc = new int[TILE];

        LutGemv(byte[] ternary, int out, int in, Arena arena) {
            this.out = out;
            this.in = in;
            this.steps = (in + 3) / 4;
            this.tiles = (out + TILE - 1) / TILE;
            this.w = arena.allocate((long) tiles * steps * TILE, 64);
            for (int row = 0; row < tiles * TILE; row++) {
                for (int k = 0; k < steps; k++) {
                    int bits = 0;
                    for (int c = 0; c < 4; c++) {
                        int col = 4 * k + c;
                        int t = row < out && col < in ? ternary[row * in + col] : 0;
                        bits |= (t + 1) << (2 * c);
                    }
                    w.set(ValueLayout.JAVA_BYTE, ((long) (row / TILE) * steps + k) * TILE + row % TILE, (byte) bits);
                }
            }
            this.tab = new byte[steps * 2 * 32];
        }

        void gemv(short[] q, float s, float scale, MemorySegment y) {
            buildTables(q);
            int groups = steps * 2;
            for (int tile = 0; tile < tiles; tile++) {
                IntVector i0 = IntVector.zero(I), i1 = i0;
                long base = (long) tile * steps * TILE;
                for (int c0 = 0; c0 < steps; c0 += CHUNK_STEPS) {
                    int c1 = Math.min(steps, c0 + CHUNK_STEPS);
                    ShortVector lo16 = ShortVector.zero(S), hi16 = lo16;
                    for (int f0 = c0; f0 < c1; f0 += FLUSH_STEPS) {
                        int f1 = Math.min(c1, f0 + FLUSH_STEPS);
                        ByteVector lo = ByteVector.zero(B), hi = lo;
                        for (int k = f0; k < f1; k++) {
                            ByteVector wv = ByteVector.fromMemorySegment(B, w, base + (long) k * TILE, ByteOrder.LITTLE_ENDIAN);
                            ByteVector ia = wv.and((byte) 15);
                            ByteVector ib = wv.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                                    .and((byte) 15);
                            int t = k * 64;
                            lo = lo.add(ia.selectFrom(ByteVector.fromArray(B, tab, t)));
                            hi = hi.add(ia.selectFrom(ByteVector.fromArray(B, tab, t + 16)));
                            lo = lo.add(ib.selectFrom(ByteVector.fromArray(B, tab, t + 32)));
                            hi = hi.add(ib.selectFrom(ByteVector.fromArray(B, tab, t + 48)));
                        }
                        lo16 = lo16.add(lo.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                        hi16 = hi16.add(hi.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                    }
                    // Short → int by in-lane int32 shifts (a lane-count-changing convert is not
                    // intrinsified): even rows in the low halves, odd rows in the high halves.
                    IntVector lw = lo16.reinterpretAsInts(), hw = hi16.reinterpretAsInts();
                    i0 = i0.add(lw.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.LSHR, 16))
                            .add(hw.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.LSHR, 11));
                    i1 = i1.add(lw.lanewise(VectorOperators.LSHR, 16))
                            .add(hw.lanewise(VectorOperators.LSHR, 16).lanewise(VectorOperators.LSHL, 5));
                }
                int bias = 256 * groups;
                i0 = i0.sub(bias);
                i1 = i1.sub(bias);
                i0.intoArray(acc, 0);
                i1.intoArray(acc, 8);
                int rows = Math.min(TILE, out - tile * TILE);
                for (int r = 0; r < rows; r++) {
                    y.setAtIndex(ValueLayout.JAVA_FLOAT, tile * TILE + r, acc[(r & 1) * 8 + (r >> 1)] / s * scale);
                }
            }
        }

        /** Scalar for the prototype: in·9/2 entries per token, small next to out·in/2 lookups. */
        void buildTables(short[] q) {
            int groups = steps * 2;
            for (int g = 0; g < groups; g++) {
                int c = 2 * g;
                int x0 = c < in ? q[c] : 0;
                int x1 = c + 1 < in ? q[c + 1] : 0;
                int t = (g >> 1) * 64 + (g & 1) * 32;
                for (int u1 = 0; u1 < 3; u1++) {
                    for (int u0 = 0; u0 < 3; u0++) {
                        int b = (u0 - 1) * x0 + (u1 - 1) * x1 + 256;
                        tab[t + u0 + 4 * u1] = (byte) (b & 31);
                        tab[t + 16 + u0 + 4 * u1] = (byte) (b >> 5);
                    }
                }
            }
        }
    }
}
