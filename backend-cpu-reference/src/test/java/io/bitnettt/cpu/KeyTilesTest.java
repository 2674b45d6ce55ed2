package io.bitnettt.cpu;

import static io.bitnettt.cpu.Host.f32;
import static io.bitnettt.cpu.Host.floats;
import static io.bitnettt.cpu.Host.u32;
import static io.bitnettt.cpu.VectorScalarParityTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import io.bitnettt.cpu.kernel.KeyTiles;
import io.bitnettt.cpu.kernel.ScalarKernels;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.spi.TransformerOps;
import org.junit.jupiter.api.Test;

/**
 * INT8_ROWS key caches in {@link KeyTiles} order: the offsets against hand-worked cases, the reorder
 * both ways, and a cache written, read back and passed in other roles after attention has put it in
 * tile order, each against the scalar reference on the values the cache holds.
 */
class KeyTilesTest {
    @Test
    void offsetsFollowTheTileRule() {
        // two heads of three codes: a tile is 16 rows · 6 codes, each code's 16 rows side by side
        assertEquals(18, KeyTiles.offset(2, 0, 1, 2, 3)); // (0·6 + 0·3 + 1)·16 + 2
        assertEquals(177, KeyTiles.offset(17, 1, 2, 2, 3)); // (1·6 + 1·3 + 2)·16 + 1
        assertEquals(17 * 6 + 3 + 2, KeyTiles.rowOffset(17, 1, 2, 2, 3));
        assertEquals(32, KeyTiles.paddedRows(17));
        assertEquals(16, KeyTiles.paddedRows(16));
    }

    @Test
    void reorderMovesEveryCodeToItsOffsetAndBack() {
        int rows = 37;
        int heads = 3;
        int width = 5;
        long bytes = KeyTiles.paddedRows(rows) * heads * width;
        byte[] original = new byte[(int) bytes];
        new Random(11).nextBytes(original);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment codes = arena.allocate(bytes);
            MemorySegment.copy(original, 0, codes, ValueLayout.JAVA_BYTE, 0, original.length);
            byte[] buf = new byte[KeyTiles.ROWS * heads * width];
            KeyTiles.reorder(codes, rows, heads, width, true, buf);
            for (int s = 0; s < KeyTiles.paddedRows(rows); s++) {
                for (int h = 0; h < heads; h++) {
                    for (int i = 0; i < width; i++) {
                        assertEquals(original[(int) KeyTiles.rowOffset(s, h, i, heads, width)],
                                codes.get(ValueLayout.JAVA_BYTE, KeyTiles.offset(s, h, i, heads, width)),
                                "code (" + s + ", " + h + ", " + i + ")");
                    }
                }
            }
            KeyTiles.reorder(codes, rows, heads, width, false, buf);
            assertArrayEquals(original, codes.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /**
     * The engine's order of use: a prefill's rows written, attention (which puts the keys in tiles),
     * then one row written and attended at a time. Then the tensors read back, swapped (keys passed
     * as values and values as keys, so both are reordered) and one passed as both.
     */
    @Test
    void cacheWrittenAfterAttentionPutItInTilesStaysRight() {
        int heads = 4;
        int kvHeads = 2;
        int dim = 24;
        int maxSeq = 41;
        int prompt = 19;
        int width = kvHeads * dim;
        Random r = new Random(5);
        float[] kf = Host.gaussian(r, maxSeq * width, 1f);
        float[] vf = Host.gaussian(r, maxSeq * width, 1f);
        try (CpuDevice device = CpuDevice.open(DeviceOptions.defaults().withThreads(2));
             Tensor kt = device.allocate(TensorSpec.of(io.bitnettt.spi.DType.INT8_ROWS, maxSeq, kvHeads, dim));
             Tensor vt = device.allocate(TensorSpec.of(io.bitnettt.spi.DType.INT8_ROWS, maxSeq, kvHeads, dim));
             Tensor out = device.allocate(TensorSpec.f32(1, heads * dim))) {
            TransformerOps ops = device.ops();
            try (Tensor k0 = f32(device, Arrays.copyOf(kf, prompt * width), prompt, width);
                 Tensor v0 = f32(device, Arrays.copyOf(vf, prompt * width), prompt, width)) {
                ops.kvCacheFill(kt, k0, 0);
                ops.kvCacheFill(vt, v0, 0);
            }
            float[] q = Host.gaussian(r, heads * dim, 0.5f);
            for (int pos = prompt - 1; pos < maxSeq; pos++) {
                if (pos >= prompt) {
                    try (Tensor k1 = f32(device, Arrays.copyOfRange(kf, pos * width, (pos + 1) * width), 1, width);
                         Tensor v1 = f32(device, Arrays.copyOfRange(vf, pos * width, (pos + 1) * width), 1, width);
                         Tensor p = u32(device, pos)) {
                        ops.kvCacheUpdate(kt, k1, p);
                        ops.kvCacheUpdate(vt, v1, p);
                    }
                }
                attendAndCheck(device, q, kt, vt, kf, vf, pos, heads, kvHeads, dim, out, "keys in tiles, pos=" + pos);
            }
            float[] kHeld = Host.roundInt8Rows(kf, dim);
            float[] vHeld = Host.roundInt8Rows(vf, dim);
            // equal values (the reference's rounding keeps a -0.0 where a code 0 reads back +0.0)
            assertClose(kHeld, floats(kt), 0.0, "key cache read back from tile order");
            assertClose(vHeld, floats(vt), 0.0, "value cache read back");
            attendAndCheck(device, q, vt, kt, vf, kf, maxSeq - 1, heads, kvHeads, dim, out, "roles swapped");
            assertClose(kHeld, floats(kt), 0.0, "former key cache read back after use as values");
            attendAndCheck(device, q, kt, kt, kf, kf, maxSeq - 1, heads, kvHeads, dim, out, "one tensor as keys and values");
        }
    }

    private static void attendAndCheck(CpuDevice device, float[] q, Tensor kt, Tensor vt, float[] kf, float[] vf, int pos,
                                       int heads, int kvHeads, int dim, Tensor out, String what) {
        try (Tensor qt = f32(device, q, 1, heads * dim);
             Tensor p = u32(device, pos)) {
            device.ops().attentionDecode(qt, kt, vt, p, heads, kvHeads, out);
        }
        float[] expected = ScalarKernels.attention(q, 1, Host.roundInt8Rows(kf, dim), Host.roundInt8Rows(vf, dim), pos,
                heads, kvHeads, dim);
        assertClose(expected, floats(out), what);
    }
}
