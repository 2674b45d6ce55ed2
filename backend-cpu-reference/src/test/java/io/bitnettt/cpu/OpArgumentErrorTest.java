package io.bitnettt.cpu;

import static io.bitnettt.cpu.Host.f32;
import static io.bitnettt.cpu.Host.floats;
import static io.bitnettt.cpu.Host.u32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitnettt.spi.BackendException;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Wrong shapes and dtypes raise {@link BackendException} naming the op and the offending shapes,
 * for ops and arguments that {@code DeviceLifecycleTest} does not cover.
 */
class OpArgumentErrorTest extends SharedDeviceTest {

    private static void expect(String op, Executable call, String... fragments) {
        BackendException e = assertThrows(BackendException.class, call, op);
        String m = e.getMessage();
        assertEquals(op, e.operation(), m);
        assertEquals("cpu", e.backend(), m);
        assertTrue(m.contains(op), m);
        for (String f : fragments) {
            assertTrue(m.contains(f), "message lacks '" + f + "': " + m);
        }
    }

    @Test
    void rmsNorm() {
        try (Tensor x = device.allocate(TensorSpec.f32(3, 8));
             Tensor w5 = device.allocate(TensorSpec.f32(5));
             Tensor w8 = device.allocate(TensorSpec.f32(8));
             Tensor wU = device.allocate(TensorSpec.of(DType.UINT32, 8));
             Tensor out = device.allocate(TensorSpec.f32(2, 8))) {
            expect("rmsNorm", () -> ops.rmsNorm(x, w5, 1e-5f, x), "[5]", "[8]");
            expect("rmsNorm", () -> ops.rmsNorm(x, w8, 1e-5f, out), "[2, 8]", "[3, 8]");
            expect("rmsNorm", () -> ops.rmsNorm(x, wU, 1e-5f, x), "[8]", "UINT32");
            expect("rmsNorm", () -> ops.rmsNorm(x, w8, Float.NaN, x), "eps");
        }
    }

    @Test
    void rotary() {
        try (Tensor x = device.allocate(TensorSpec.f32(2, 12));
             Tensor cos4 = device.allocate(TensorSpec.f32(8, 4));
             Tensor cos6 = device.allocate(TensorSpec.f32(8, 6));
             Tensor sin6 = device.allocate(TensorSpec.f32(8, 6));
             Tensor sin7 = device.allocate(TensorSpec.f32(7, 6));
             Tensor pos = u32(device, 3);
             Tensor pos9 = u32(device, 8)) {
            // heads=2 → D=6, but the table is 4 wide
            expect("rotaryPrefill", () -> ops.rotaryPrefill(x, 2, cos4, cos4, 0), "[8, 4]", "[2, 12]");
            // heads=5 does not divide 12
            expect("rotaryPrefill", () -> ops.rotaryPrefill(x, 5, cos6, sin6, 0), "[2, 12]", "heads=5");
            // heads=4 → odd D=3
            expect("rotaryPrefill", () -> ops.rotaryPrefill(x, 4, cos6, sin6, 0), "[2, 12]", "3");
            expect("rotaryPrefill", () -> ops.rotaryPrefill(x, 2, cos6, sin7, 0), "[7, 6]", "[8, 6]");
            // positions 7..8 past a table of 8 rows
            expect("rotaryPrefill", () -> ops.rotaryPrefill(x, 2, cos6, sin6, 7), "[8, 6]", "7..8");
            // decode takes a single token
            expect("rotaryDecode", () -> ops.rotaryDecode(x, 2, cos6, sin6, pos), "[2, 12]");
            try (Tensor one = device.allocate(TensorSpec.f32(1, 12))) {
                expect("rotaryDecode", () -> ops.rotaryDecode(one, 2, cos6, sin6, pos9), "[8, 6]", "8");
                expect("rotaryDecode", () -> ops.rotaryDecode(one, 2, cos6, sin6, one), "[1, 12]", "F32");
            }
        }
    }

    @Test
    void attention() {
        try (Tensor q = device.allocate(TensorSpec.f32(2, 8));
             Tensor cache = device.allocate(TensorSpec.f32(6, 4));
             Tensor wide = device.allocate(TensorSpec.f32(6, 8));
             Tensor shortV = device.allocate(TensorSpec.f32(5, 4));
             Tensor out = device.allocate(TensorSpec.f32(2, 8));
             Tensor badOut = device.allocate(TensorSpec.f32(2, 4));
             Tensor pos = u32(device, 1)) {
            // H=2, Hkv=1 → D=4, kCache must be [*, 4]
            expect("attentionPrefill", () -> ops.attentionPrefill(q, wide, wide, 0, 2, 1, out), "[6, 8]", "[6, 4]");
            expect("attentionPrefill", () -> ops.attentionPrefill(q, cache, shortV, 0, 2, 1, out), "[5, 4]", "[6, 4]");
            expect("attentionPrefill", () -> ops.attentionPrefill(q, cache, cache, 0, 2, 1, badOut), "[2, 4]", "[2, 8]");
            expect("attentionPrefill", () -> ops.attentionPrefill(q, cache, cache, 5, 2, 1, out), "[6, 4]", "5..6");
            expect("attentionPrefill", () -> ops.attentionPrefill(q, cache, cache, 0, 2, 0, out), "kvHeads=0");
            expect("attentionDecode", () -> ops.attentionDecode(q, cache, cache, pos, 2, 1, out), "[2, 8]");
            try (Tensor q1 = device.allocate(TensorSpec.f32(1, 8));
                 Tensor o1 = device.allocate(TensorSpec.f32(1, 8));
                 Tensor far = u32(device, 6)) {
                expect("attentionDecode", () -> ops.attentionDecode(q1, cache, cache, far, 2, 1, o1), "[6, 4]", "6");
            }
        }
    }

    /**
     * Caches are F32 or BF16 {@code [maxSeq, Hkv·D]} or INT8_ROWS {@code [maxSeq, Hkv, D]}, K and V of one
     * dtype; the message names the dtype or shape found and those expected.
     */
    @Test
    void kvCacheDtypes() {
        try (Tensor q = device.allocate(TensorSpec.f32(1, 8));
             Tensor f32Cache = device.allocate(TensorSpec.f32(6, 4));
             Tensor bf16Cache = device.allocate(TensorSpec.of(DType.BF16, 6, 4));
             Tensor intCache = device.allocate(TensorSpec.of(DType.UINT32, 6, 4));
             Tensor flatInt8 = device.allocate(TensorSpec.of(DType.INT8_ROWS, 6, 4));
             Tensor int8Cache = device.allocate(TensorSpec.of(DType.INT8_ROWS, 6, 2, 2));
             Tensor kv = device.allocate(TensorSpec.f32(1, 4));
             Tensor bf16Kv = device.allocate(TensorSpec.of(DType.BF16, 1, 4));
             Tensor out = device.allocate(TensorSpec.f32(1, 8));
             Tensor pos = u32(device, 1)) {
            expect("kvCacheUpdate", () -> ops.kvCacheUpdate(intCache, kv, pos), "cache [6, 4]", "UINT32",
                    "expected one of [F32, BF16, INT8_ROWS]");
            expect("kvCacheFill", () -> ops.kvCacheFill(intCache, kv, 0), "UINT32", "[F32, BF16, INT8_ROWS]");
            expect("kvCacheUpdate", () -> ops.kvCacheUpdate(flatInt8, kv, pos), "cache [6, 4] is INT8_ROWS",
                    "[maxSeq, Hkv, D]");
            expect("attentionDecode", () -> ops.attentionDecode(q, int8Cache, int8Cache, pos, 2, 1, out),
                    "kCache has shape [6, 2, 2], expected [6, 1, 4]");
            expect("kvCacheUpdate", () -> ops.kvCacheUpdate(bf16Cache, bf16Kv, pos), "kv [1, 4]", "BF16",
                    "expected F32");
            expect("attentionDecode", () -> ops.attentionDecode(q, bf16Cache, f32Cache, pos, 2, 1, out),
                    "vCache [6, 4] has dtype F32, expected BF16");
            expect("attentionPrefill", () -> ops.attentionPrefill(q, intCache, intCache, 0, 2, 1, out),
                    "kCache [6, 4] has dtype UINT32", "[F32, BF16, INT8_ROWS]");
            assertTrue(ops.supportsKvCache(DType.BF16) && ops.supportsKvCache(DType.F32)
                    && ops.supportsKvCache(DType.INT8_ROWS) && !ops.supportsKvCache(DType.INT8),
                    "cpu keeps F32, BF16 and INT8_ROWS caches");
        }
    }

    /** A non-finite key or value has no int8 code: the store names the op and the value, and the cache stays usable. */
    @Test
    void anInt8CacheRefusesANonFiniteValueByName() {
        try (Tensor cache = device.allocate(TensorSpec.of(DType.INT8_ROWS, 4, 2, 2));
             Tensor bad = f32(device, new float[] {1f, Float.NaN, 2f, 3f}, 1, 4);
             Tensor good = f32(device, new float[] {1f, -1f, 2f, 0f}, 1, 4);
             Tensor pos = u32(device, 2)) {
            expect("kvCacheUpdate", () -> ops.kvCacheUpdate(cache, bad, pos), "INT8_ROWS cache [4, 2, 2] at row 2",
                    "NaN", "finite");
            expect("kvCacheFill", () -> ops.kvCacheFill(cache, bad, 0), "at row 0", "NaN");
            ops.kvCacheUpdate(cache, good, pos);
            float[] held = floats(cache);
            // row 2: (1, -1) has scale 1/127 and codes (127, -127); (2, 0) has scale 2/127 and (127, 0)
            assertEquals(1f / 127 * 127, held[8]);
            assertEquals(1f / 127 * -127, held[9]);
            assertEquals(2f / 127 * 127, held[10]);
            assertEquals(0f, held[11]);
        }
    }

    @Test
    void ternaryFusedLinears() {
        try (Tensor x = device.allocate(TensorSpec.f32(2, 8));
             Tensor w = Host.ternary(device, new byte[8 * 8], 8, 8, 1f);
             Tensor w4 = Host.ternary(device, new byte[4 * 8], 4, 8, 1f);
             Tensor wf = device.allocate(TensorSpec.f32(4, 8));
             Tensor y8 = device.allocate(TensorSpec.f32(2, 8));
             Tensor y4 = device.allocate(TensorSpec.f32(2, 4));
             Tensor yBad = device.allocate(TensorSpec.f32(3, 4))) {
            // k gets the [2, 8] output meant for an 8-row weight
            expect("ternaryLinearQkv", () -> ops.ternaryLinearQkv(x, w, w4, w4, y8, y8, y4), "[2, 8]", "[2, 4]");
            expect("ternaryLinearQkv", () -> ops.ternaryLinearQkv(x, w, w4, w4, y8, y4, yBad), "[3, 4]", "[2, 4]");
            expect("ternaryLinearGateUp", () -> ops.ternaryLinearGateUp(x, w4, wf, y4, y4), "[4, 8]", "F32",
                    "TERNARY_INT2");
            expect("ternaryLinear", () -> ops.ternaryLinear(y4, w, y8), "[2, 4]", "[8, 8]");
        }
    }

    @Test
    void embeddingLogitsAndSelection() {
        try (Tensor table = device.allocate(TensorSpec.of(DType.BF16, 10, 6));
             Tensor idsF = device.allocate(TensorSpec.f32(3));
             Tensor ids = u32(device, 1, 2, 3);
             Tensor out = device.allocate(TensorSpec.f32(2, 6));
             Tensor x = device.allocate(TensorSpec.f32(2, 5));
             Tensor logits = device.allocate(TensorSpec.f32(2, 9));
             Tensor best = device.allocate(TensorSpec.of(DType.UINT32, 3));
             Tensor row = device.allocate(TensorSpec.f32(1, 10));
             Tensor vals = device.allocate(TensorSpec.f32(11));
             Tensor idx = device.allocate(TensorSpec.of(DType.UINT32, 11))) {
            expect("embedding", () -> ops.embedding(table, idsF, out), "[3]", "F32", "UINT32");
            expect("embedding", () -> ops.embedding(table, ids, out), "[2, 6]", "[3, 6]");
            expect("outputProjection", () -> ops.outputProjection(x, table, logits), "[2, 5]", "[10, 6]");
            try (Tensor x6 = device.allocate(TensorSpec.f32(2, 6))) {
                expect("outputProjection", () -> ops.outputProjection(x6, table, logits), "[2, 9]", "[2, 10]");
            }
            expect("argmax", () -> ops.argmax(logits, best), "[3]", "[2]");
            expect("topK", () -> ops.topK(row, 11, vals, idx), "k=11", "[1, 10]");
            expect("topK", () -> ops.topK(logits, 1, vals, idx), "[2, 9]");
        }
    }

    @Test
    void outputProjectionInt8() {
        try (Tensor x = device.allocate(TensorSpec.f32(2, 6));
             Tensor x5 = device.allocate(TensorSpec.f32(2, 5));
             Tensor codes = device.allocate(TensorSpec.of(DType.INT8, 10, 6));
             Tensor bf = device.allocate(TensorSpec.of(DType.BF16, 10, 6));
             Tensor scales = device.allocate(TensorSpec.f32(10));
             Tensor scales9 = device.allocate(TensorSpec.f32(9));
             Tensor logits = device.allocate(TensorSpec.f32(2, 10))) {
            expect("outputProjectionInt8", () -> ops.outputProjectionInt8(x, bf, scales, logits), "tableQ",
                    "BF16", "INT8");
            expect("outputProjectionInt8", () -> ops.outputProjectionInt8(x5, codes, scales, logits), "[2, 5]",
                    "[10, 6]");
            expect("outputProjectionInt8", () -> ops.outputProjectionInt8(x, codes, scales9, logits), "rowScales",
                    "[9]", "[10]");
        }
    }

    @Test
    void kvCacheUpdateAndElementwise() {
        try (Tensor cache = device.allocate(TensorSpec.f32(4, 6));
             Tensor two = device.allocate(TensorSpec.f32(2, 6));
             Tensor one = f32(device, new float[] {1, 2, 3, 4, 5, 6}, 1, 6);
             Tensor posF = device.allocate(TensorSpec.f32(1));
             Tensor pos = u32(device, 4);
             Tensor a = device.allocate(TensorSpec.f32(2, 6));
             Tensor b = device.allocate(TensorSpec.f32(6, 2))) {
            expect("kvCacheUpdate", () -> ops.kvCacheUpdate(cache, two, u32(device, 0)), "[2, 6]");
            expect("kvCacheUpdate", () -> ops.kvCacheUpdate(cache, one, posF), "[1]", "F32", "UINT32");
            expect("kvCacheUpdate", () -> ops.kvCacheUpdate(cache, one, pos), "[4, 6]", "4..4");
            expect("kvCacheFill", () -> ops.kvCacheFill(cache, two, -1), "[4, 6]", "-1");
            // element-count-equal but differently shaped operands are still a shape error
            expect("add", () -> ops.add(a, b, a), "[6, 2]", "[2, 6]");
            expect("relu2Gate", () -> ops.relu2Gate(a, b, a), "[6, 2]", "[2, 6]");
        }
    }
}
