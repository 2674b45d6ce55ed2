package io.bitnettt.engine;

import io.bitnettt.model.checkpoint.HostTensor;
import io.bitnettt.safetensors.HalfFloats;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.LogitScreen;
import io.bitnettt.spi.ScreenedTable;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;

/**
 * Builds the coarse copy of an output table that lets the device find greedy and top-k tokens
 * exactly while reading about half the table's bytes ({@link LogitScreen},
 * {@code TransformerOps.screenedArgmax}): int8 codes, row scales and row bounds, computed on the
 * host from the values the table holds and handed to the device with {@code wrapHost}, so a backend
 * that computes in host memory keeps one copy (the arena's) rather than two.
 */
public final class OutputScreens {
    /** Rows per task; tasks run in parallel, a batch of them at a time. */
    private static final int TASK_ROWS = 256;
    private static final int BATCH_TASKS = 32;

    /** A table's rows as floats, exactly as the device's table holds them. */
    public interface Rows {
        void read(int row, float[] dst);

        /** Rows {@code [from, to)} have been read for the last time (a mapped source may let go of them). */
        default void done(int from, int to) {
        }
    }

    private OutputScreens() {
    }

    /**
     * The screen of {@code table} ([V, d]), whose rows {@code rows} reads; its host buffers are
     * allocated in {@code arena}, which must outlive the returned tensors.
     */
    public static ScreenedTable build(Device device, Tensor table, Rows rows, Arena arena) {
        int vocab = table.shape().intDim(0);
        int d = table.shape().intDim(1);
        MemorySegment codes = arena.allocate((long) vocab * d, 64);
        MemorySegment scales = arena.allocate(4L * vocab, 64);
        MemorySegment bounds = arena.allocate(4L * vocab, 64);
        int tasks = Math.ceilDiv(vocab, TASK_ROWS);
        for (int t0 = 0; t0 < tasks; t0 += BATCH_TASKS) {
            IntStream.range(t0, Math.min(tasks, t0 + BATCH_TASKS)).parallel().forEach(t -> {
                float[] row = new float[d];
                byte[] q = new byte[d];
                for (int r = t * TASK_ROWS, end = Math.min(vocab, r + TASK_ROWS); r < end; r++) {
                    rows.read(r, row);
                    float[] sb = LogitScreen.screenRow(row, 0, d, q, 0);
                    MemorySegment.copy(q, 0, codes, ValueLayout.JAVA_BYTE, (long) r * d, d);
                    scales.setAtIndex(ValueLayout.JAVA_FLOAT, r, sb[0]);
                    bounds.setAtIndex(ValueLayout.JAVA_FLOAT, r, sb[1]);
                }
            });
            rows.done(t0 * TASK_ROWS, Math.min(vocab, (t0 + BATCH_TASKS) * TASK_ROWS));
        }
        Tensor c = null;
        Tensor s = null;
        try {
            c = device.wrapHost(TensorSpec.of(DType.INT8, vocab, d), codes);
            s = device.wrapHost(TensorSpec.f32(vocab), scales);
            Tensor b = device.wrapHost(TensorSpec.f32(vocab), bounds);
            return new ScreenedTable(table, c, s, b);
        } catch (RuntimeException e) {
            if (c != null) {
                c.close();
            }
            if (s != null) {
                s.close();
            }
            throw e;
        }
    }

    /**
     * A checkpoint tensor's rows as a table of {@code tableType} holds them (BF16 rounds them), with
     * the mapped pages of rows already read given back as it goes ({@link HostMemory#release}).
     */
    public static Rows of(HostTensor t, DType tableType) {
        int d = Math.toIntExact(t.shape()[1]);
        long rowBytes = t.data().byteSize() / t.shape()[0];
        boolean round = tableType == DType.BF16;
        // One staging row per worker thread rather than one per row read (128 256 rows of 2B-4T).
        ThreadLocal<short[]> scratch = ThreadLocal.withInitial(() -> new short[d]);
        return new Rows() {
            @Override
            public void read(int row, float[] dst) {
                t.read((long) row * d, dst, scratch.get());
                if (round) {
                    for (int i = 0; i < d; i++) {
                        dst[i] = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(dst[i]));
                    }
                }
            }

            @Override
            public void done(int from, int to) {
                HostMemory.release(t.data().asSlice(from * rowBytes, (to - from) * rowBytes));
            }
        };
    }
}
