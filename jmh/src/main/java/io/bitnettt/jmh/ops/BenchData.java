package io.bitnettt.jmh.ops;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.RowQuantization;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;

/** Random inputs for the op benchmarks; fixed seeds so runs compare. */
final class BenchData {
    private BenchData() {
    }

    static Tensor activations(Device d, Random r, int tokens, int width) {
        float[] x = new float[tokens * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return d.upload(TensorSpec.f32(tokens, width), MemorySegment.ofArray(x));
    }

    /** A 1-D F32 tensor of {@code n} Gaussian values, e.g. a norm weight. */
    static Tensor vector(Device d, Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return d.upload(TensorSpec.f32(n), MemorySegment.ofArray(x));
    }

    /** A UINT32 [1] tensor holding {@code value}, as the decode ops take positions. */
    static Tensor position(Device d, int value) {
        return d.upload(TensorSpec.of(DType.UINT32, 1), MemorySegment.ofArray(new int[] {value}));
    }

    /** Random HF-packed ternary weights: every byte holds four codes in 0..2. */
    static Tensor ternary(Device d, Random r, int out, int in) {
        byte[] packed = new byte[out / 4 * in];
        for (int i = 0; i < packed.length; i++) {
            int b = 0;
            for (int k = 0; k < 4; k++) {
                b |= r.nextInt(3) << (2 * k);
            }
            packed[i] = (byte) b;
        }
        return d.uploadTernary(out, in, MemorySegment.ofArray(packed), 0.5f, MemoryPlacement.DEVICE_DRAM);
    }

    /**
     * An int8 per-row quantized table of Gaussian rows, quantized with the SPI's rule:
     * {@code {codes INT8 [rows, width], scales F32 [rows]}}.
     */
    static Tensor[] int8Table(Device d, Random r, int rows, int width) {
        byte[] codes = new byte[rows * width];
        float[] scales = new float[rows];
        float[] row = new float[width];
        for (int v = 0; v < rows; v++) {
            for (int i = 0; i < width; i++) {
                row[i] = (float) (r.nextGaussian() * 0.02);
            }
            scales[v] = RowQuantization.quantizeRow(row, 0, width, codes, v * width);
        }
        Tensor c = d.upload(TensorSpec.of(DType.INT8, rows, width), MemorySegment.ofArray(codes));
        try {
            return new Tensor[] {c, d.upload(TensorSpec.f32(rows), MemorySegment.ofArray(scales))};
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** An INT8_ROWS KV cache {@code [rows, kvHeads, dim]} quantized from Gaussian values. */
    static Tensor int8Cache(Device d, Random r, int rows, int kvHeads, int dim) {
        float[] x = new float[rows * kvHeads * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return d.upload(TensorSpec.of(DType.INT8_ROWS, rows, kvHeads, dim), MemorySegment.ofArray(x));
    }

    static Tensor bf16Table(Device d, Random r, int rows, int width) {
        short[] bits = new short[rows * width];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (short) (Float.floatToRawIntBits((float) (r.nextGaussian() * 0.02)) >>> 16);
        }
        return d.upload(TensorSpec.of(DType.BF16, rows, width), MemorySegment.ofArray(bits));
    }
}
