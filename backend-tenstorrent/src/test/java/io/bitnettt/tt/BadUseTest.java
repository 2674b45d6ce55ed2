package io.bitnettt.tt;

import io.bitnettt.cpu.CpuDevice;
import io.bitnettt.spi.BackendException;
import io.bitnettt.spi.CapturedStep;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.OpenDevices;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.tt.ffi.BttDType;
import io.bitnettt.tt.ffi.BttDevice;
import io.bitnettt.tt.ffi.BttException;
import io.bitnettt.tt.ffi.BttLayout;
import io.bitnettt.tt.ffi.BttMemory;
import io.bitnettt.tt.ffi.BttStatus;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static io.bitnettt.tt.Host.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Misuse ends in a BackendException naming the op, never in a crash of the JVM: deallocated tensors,
 * wrong dtypes and shapes, exhausted L1, a TT-NN rule broken below the shim, stale device copies, and
 * calls after close.
 */
class BadUseTest {
    private static final String EMU = TenstorrentEmulatorProvider.NAME;

    @Test
    void anOpOnADeallocatedTensorNamesTheOpAndTheTensor() {
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor a = f32(d, new float[6], 2, 3);
            Tensor out = d.allocate(TensorSpec.f32(2, 3));
            a.close();
            a.close(); // idempotent
            BackendException e = assertThrows(BackendException.class, () -> d.ops().add(a, out, out));
            assertEquals("add", e.operation());
            assertEquals("[" + EMU + "] add: a [2, 3] was already deallocated", e.getMessage());
            e = assertThrows(BackendException.class, () -> a.download(MemorySegment.ofArray(new float[6])));
            assertEquals("[" + EMU + "] download: tensor [2, 3] was already deallocated", e.getMessage());
            assertEquals(1, d.liveTensorCount());
        }
    }

    @Test
    void theOptionalInt8OutputProjectionIsRefusedByName() {
        try (TenstorrentDevice d = Emulator.open()) {
            assertFalse(d.ops().supportsInt8OutputProjection());
            Tensor x = f32(d, new float[4], 1, 4);
            Tensor scales = f32(d, new float[2], 2);
            Tensor logits = d.allocate(TensorSpec.f32(1, 2));
            BackendException e = assertThrows(BackendException.class,
                    () -> d.ops().outputProjectionInt8(x, x, scales, logits));
            assertEquals("outputProjectionInt8", e.operation());
            assertEquals("[TtOps] outputProjectionInt8: int8 output projection is not supported by backend TtOps",
                    e.getMessage());
        }
    }

    @Test
    void wrongDtypeAndShapeAreRejectedInJavaWithBothShapes() {
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor x = f32(d, new float[2 * 8], 2, 8);
            Tensor w = ternary(d, new byte[12 * 9], 12, 9, 1f);
            Tensor y = d.allocate(TensorSpec.f32(2, 12));
            BackendException e = assertThrows(BackendException.class, () -> d.ops().ternaryLinear(x, w, y));
            assertEquals("[" + EMU + "] ternaryLinear: x has shape [2, 8] but w has shape [12, 9]: x's columns must equal"
                    + " w's input size 9", e.getMessage());
            Tensor ids = u32(d, 1, 2);
            e = assertThrows(BackendException.class, () -> d.ops().add(x, ids, x));
            assertEquals("[" + EMU + "] add: b [2] has dtype UINT32, expected F32", e.getMessage());
        }
    }

    @Test
    void unsupportedDtypesAndHostPlacementAreNamed() {
        try (TenstorrentDevice d = Emulator.open()) {
            BackendException e = assertThrows(BackendException.class, () -> d.allocate(TensorSpec.of(DType.INT8, 4)));
            assertTrue(e.getMessage().contains("dtype INT8 is not supported"), e.getMessage());
            e = assertThrows(BackendException.class, () -> d.allocate(TensorSpec.of(DType.INT32, 4)));
            assertTrue(e.getMessage().contains("dtype INT32 is not supported"), e.getMessage());
            e = assertThrows(BackendException.class, () -> d.allocate(TensorSpec.of(DType.INT8_ROWS, 4, 1, 32)));
            assertTrue(e.getMessage().contains("dtype INT8_ROWS is not supported"), e.getMessage());
            assertFalse(d.ops().supportsKvCache(DType.INT8_ROWS), "an INT8_ROWS KV cache is the cpu backend's");
            e = assertThrows(BackendException.class,
                    () -> d.allocate(TensorSpec.f32(4).withPlacement(MemoryPlacement.HOST)));
            assertEquals("allocate", e.operation());
            assertTrue(e.getMessage().contains("placement HOST"), e.getMessage());
        }
    }

    @Test
    void aTensorOfAnotherDeviceIsRefused() {
        try (TenstorrentDevice d = Emulator.open(); CpuDevice cpu = CpuDevice.open(DeviceOptions.defaults().withThreads(1))) {
            Tensor mine = f32(d, new float[4], 1, 4);
            Tensor theirs = f32(cpu, new float[4], 1, 4);
            BackendException e = assertThrows(BackendException.class, () -> d.ops().add(mine, theirs, mine));
            assertEquals("[" + EMU + "] add: b [1, 4] was not allocated on this " + EMU + " device", e.getMessage());
        }
    }

    @Test
    void exhaustingASmallL1IsAnOutOfMemoryErrorAndTheDeviceStaysUsable() {
        // 2 cores of 8 KiB = 16 KiB of L1; a [64, 96] F32 tensor is six 4 KiB tiles (24 KiB).
        try (TenstorrentDevice d = Emulator.open(EmulatorConfig.defaults().withL1(8 * 1024, 2))) {
            assertEquals(16 * 1024L, d.capabilities().memoryBytes().get(MemoryPlacement.DEVICE_L1));
            BttException e = assertThrows(BttException.class,
                    () -> d.allocate(TensorSpec.f32(64, 96).withPlacement(MemoryPlacement.DEVICE_L1)));
            assertEquals("allocate", e.operation());
            assertEquals(BttStatus.OUT_OF_MEMORY, e.status());
            assertTrue(e.isOutOfMemory());
            assertTrue(e.getMessage().contains("btt_tensor_allocate"), "the library's own message: " + e.getMessage());
            Tensor small = d.allocate(TensorSpec.f32(4, 4).withPlacement(MemoryPlacement.DEVICE_L1));
            assertEquals(0, small.shape().dim(0) - 4);
        }
    }

    @Test
    void whatOnlyTheDeviceCanSeeComesBackAsTheLibrarysMessage() {
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor table = f32(d, new float[5 * 3], 5, 3);
            Tensor out = d.allocate(TensorSpec.f32(1, 3));
            d.ops().embedding(table, u32(d, 9), out); // id 9 of 5 rows: known only when the op runs
            BackendException e = assertThrows(BackendException.class, () -> floats(out));
            assertTrue(e.getMessage().contains("ttnn::embedding: id 9"), e.getMessage());
            // The error was reported once; the device goes on.
            d.ops().embedding(table, u32(d, 4), out);
            assertArrayEquals(new float[3], floats(out));
        }
    }

    @Test
    void aRuleOfATtnnOpComesBackAsAnExceptionNamingTheOpAndTheRule() {
        try (TenstorrentDevice d = Emulator.open()) {
            // Java never makes a ROW_MAJOR float tensor; the raw ABI can, and ttnn::rms_norm refuses it.
            BttDevice nat = d.nat();
            long x = nat.allocate(BttDType.FLOAT32, BttLayout.ROW_MAJOR, BttMemory.DRAM, new long[] {2, 64}, "test");
            long w = nat.allocate(BttDType.FLOAT32, BttLayout.TILE, BttMemory.DRAM, new long[] {64}, "test");
            BttException e = assertThrows(BttException.class, () -> nat.rmsNorm(x, w, 1e-5f, x, "rmsNorm"));
            assertEquals("rmsNorm", e.operation());
            assertEquals(BttStatus.DEVICE, e.status());
            assertTrue(e.getMessage().contains("btt_rms_norm: TT-NN: ttnn::rms_norm: rule rms_norm.tile_input broken"),
                    e.getMessage());
            // The device goes on.
            Tensor a = f32(d, new float[] {1, 2}, 1, 2);
            d.ops().add(a, a, a);
            assertArrayEquals(new float[] {2, 4}, floats(a));
        }
    }

    @Test
    void anL1ExhaustedInsideAnOpIsAnOutOfMemoryErrorNamingTheOp() {
        // 2 cores of 16 KiB: x [64, 96] F32 is 24 KiB, too much for L1, but fine in DRAM; the quantization's
        // L1 intermediates of the same shape are not.
        try (TenstorrentDevice d = Emulator.open(EmulatorConfig.defaults().withL1(16 * 1024, 2))) {
            Tensor x = f32(d, new float[64 * 96], 64, 96);
            Tensor w = ternary(d, new byte[32 * 96], 32, 96, 1f);
            Tensor y = d.allocate(TensorSpec.f32(64, 32));
            BttException e = assertThrows(BttException.class, () -> d.ops().ternaryLinear(x, w, y));
            assertEquals("ternaryLinear", e.operation());
            assertTrue(e.isOutOfMemory(), e.getMessage());
            assertTrue(e.getMessage().contains("Out of Memory") && e.getMessage().contains("L1"), e.getMessage());
            Tensor small = f32(d, new float[] {3}, 1, 1);
            d.ops().add(small, small, small);
            assertArrayEquals(new float[] {6}, floats(small));
        }
    }

    @Test
    void anIdsTensorWrittenByAnOpIsRefusedAsEmbeddingIdsUntilItIsUploaded() {
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor table = bf16(d, new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
            Tensor token = u32(d, 1);
            Tensor x = d.allocate(TensorSpec.f32(1, 2));
            d.ops().embedding(table, token, x);
            // argmax writes the token on the device; the ids' padded copy is rewritten by uploads only.
            d.ops().argmax(f32(d, new float[] {0, 0, 9}, 1, 3), token);
            BttException e = assertThrows(BttException.class, () -> d.ops().embedding(table, token, x));
            assertEquals("embedding", e.operation());
            assertEquals(BttStatus.STATE, e.status());
            assertTrue(e.getMessage().contains("stale"), e.getMessage());
            assertArrayEquals(new int[] {2}, ints(token));
            token.upload(MemorySegment.ofArray(new int[] {2}));
            d.ops().embedding(table, token, x);
            assertArrayEquals(new float[] {5, 6}, floats(x));
        }
    }

    @Test
    void badTernaryInputIsNamed() {
        try (TenstorrentDevice d = Emulator.open()) {
            MemorySegment packed = MemorySegment.ofArray(new byte[] {0, 0, (byte) 0xC0, 0});
            BackendException e = assertThrows(BackendException.class,
                    () -> d.uploadTernary(4, 4, packed, 1f, MemoryPlacement.DEVICE_DRAM));
            assertEquals("[" + EMU + "] uploadTernary: tensor [4, 4] TERNARY_INT2: invalid ternary code 3 at weight row 3,"
                    + " column 2 (packed byte [0, 2] = 0xc0)", e.getMessage());
            e = assertThrows(BackendException.class,
                    () -> d.uploadTernary(4, 4, MemorySegment.ofArray(new byte[4]), Float.NaN, MemoryPlacement.DEVICE_DRAM));
            assertTrue(e.getMessage().contains("scale NaN"), e.getMessage());
            assertEquals(0, d.liveTensorCount(), "a failed upload frees what it allocated");
        }
    }

    @Test
    void everyCallAfterCloseIsABackendExceptionNamingTheOp() {
        TenstorrentDevice d = Emulator.open();
        Tensor a = f32(d, new float[4], 1, 4);
        Tensor pos = u32(d, 0);
        CapturedStep step = d.capture(() -> d.ops().add(a, a, a));
        int open = OpenDevices.count();
        d.close();
        d.close();
        assertEquals(open - 1, OpenDevices.count(), "a closed device leaves the shutdown hook's list");
        assertTrue(a.isClosed(), "closing the device closes its tensors");
        assertEquals("allocate", assertThrows(BackendException.class, () -> d.allocate(TensorSpec.f32(1))).operation());
        assertEquals("add", assertThrows(BackendException.class, () -> d.ops().add(a, a, a)).operation());
        assertEquals("rotaryDecode", assertThrows(BackendException.class,
                () -> d.ops().rotaryDecode(a, 1, a, a, pos)).operation());
        assertEquals("upload", assertThrows(BackendException.class,
                () -> a.upload(MemorySegment.ofArray(new float[4]))).operation());
        assertEquals("replay", assertThrows(BackendException.class, step::replay).operation());
        assertEquals("counters", assertThrows(BackendException.class, d::counters).operation());
        assertEquals("capture", assertThrows(BackendException.class, () -> d.capture(() -> { })).operation());
        step.close();
        a.close();
    }

    @Test
    void aStepThatFailsWhileRecordingLeavesTheDeviceUsable() {
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor a = f32(d, new float[] {1, 2, 3, 4}, 1, 4);
            int[] runs = {0};
            RuntimeException boom = new IllegalStateException("boom");
            RuntimeException e = assertThrows(RuntimeException.class, () -> d.capture(() -> {
                d.ops().add(a, a, a);
                if (++runs[0] == 2) {
                    throw boom;
                }
            }));
            assertSame(boom, e);
            assertArrayEquals(new float[] {2, 4, 6, 8}, floats(a), "only the eager run executed");
            try (CapturedStep step = d.capture(() -> d.ops().add(a, a, a))) {
                step.replay();
            }
            assertArrayEquals(new float[] {8, 16, 24, 32}, floats(a));
        }
    }

    @Test
    void uploadsOfTheWrongSizeAreRefusedBeforeTheLibrarySeesThem() {
        try (Device d = Emulator.open()) {
            Tensor t = d.allocate(TensorSpec.of(DType.BF16, 3, 5));
            BackendException e = assertThrows(BackendException.class,
                    () -> t.upload(MemorySegment.ofArray(new float[15])));
            assertEquals("[" + EMU + "] upload: tensor [3, 5] BF16 needs a host buffer of 30 bytes, got 60", e.getMessage());
        }
    }
}
