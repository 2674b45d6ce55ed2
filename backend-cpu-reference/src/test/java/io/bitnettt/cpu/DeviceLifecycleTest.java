package io.bitnettt.cpu;

import static io.bitnettt.cpu.Host.f32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ServiceLoader;

import io.bitnettt.spi.BackendException;
import io.bitnettt.spi.BackendProvider;
import io.bitnettt.spi.Capabilities;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import org.junit.jupiter.api.Test;

class DeviceLifecycleTest {

    @Test
    void providerIsDiscoverableAndAlwaysAvailable() {
        BackendProvider cpu = ServiceLoader.load(BackendProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("cpu"))
                .findFirst().orElseThrow();
        assertEquals(10, cpu.priority());
        assertTrue(cpu.probe().available());
        assertTrue(cpu.probe().reason().contains("Vector API"), cpu.probe().reason());
        try (Device d = cpu.open(DeviceOptions.defaults().withThreads(3))) {
            Capabilities caps = d.capabilities();
            assertEquals("cpu", d.backendName());
            assertEquals(3, caps.computeUnits());
            assertEquals(1, caps.tileSize());
            assertFalse(caps.captureReplay());
            assertTrue(caps.dtypes().contains(DType.TERNARY_INT2));
            assertTrue(caps.memoryBytes().get(MemoryPlacement.DEVICE_L1) > 0);
        }
    }

    @Test
    void closingTheDeviceFreesEveryTensor() {
        CpuDevice d = CpuDevice.open(DeviceOptions.defaults().withThreads(1));
        Tensor a = d.allocate(TensorSpec.f32(4, 4));
        Tensor b = Host.ternary(d, new byte[8], 4, 2, 1f);
        Tensor c = d.allocate(TensorSpec.of(DType.BF16, 3));
        c.close();
        assertEquals(2, d.liveTensorCount());
        d.close();
        assertEquals(0, d.liveTensorCount());
        assertTrue(a.isClosed() && b.isClosed() && c.isClosed());
        d.close(); // idempotent
        BackendException e = assertThrows(BackendException.class, () -> d.allocate(TensorSpec.f32(1)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(BackendException.class, () -> d.ops().add(a, a, a));
    }

    @Test
    void usingAClosedTensorThrows() {
        try (CpuDevice d = CpuDevice.open(DeviceOptions.defaults().withThreads(1))) {
            Tensor a = f32(d, new float[] {1, 2}, 1, 2);
            Tensor b = f32(d, new float[] {1, 2}, 1, 2);
            a.close();
            a.close();
            BackendException e = assertThrows(BackendException.class, () -> d.ops().add(a, b, b));
            assertTrue(e.getMessage().contains("add") && e.getMessage().contains("deallocated"), e.getMessage());
            assertThrows(BackendException.class, () -> a.download(MemorySegment.ofArray(new float[2])));
            assertThrows(BackendException.class, () -> a.upload(MemorySegment.ofArray(new float[2])));
            assertEquals(1, d.liveTensorCount());
        }
    }

    @Test
    void shapeAndDtypeErrorsNameTheOpAndShapes() {
        try (CpuDevice d = CpuDevice.open(DeviceOptions.defaults().withThreads(1))) {
            Tensor x = d.allocate(TensorSpec.f32(2, 8));
            Tensor w = Host.ternary(d, new byte[4 * 12], 4, 12, 1f);
            Tensor y = d.allocate(TensorSpec.f32(2, 4));
            BackendException e = assertThrows(BackendException.class, () -> d.ops().ternaryLinear(x, w, y));
            assertTrue(e.getMessage().contains("ternaryLinear") && e.getMessage().contains("[2, 8]")
                    && e.getMessage().contains("[4, 12]"), e.getMessage());

            Tensor bf = d.allocate(TensorSpec.of(DType.BF16, 2, 8));
            e = assertThrows(BackendException.class, () -> d.ops().add(x, bf, x));
            assertTrue(e.getMessage().contains("add") && e.getMessage().contains("BF16"), e.getMessage());

            Tensor small = d.allocate(TensorSpec.f32(2, 3));
            e = assertThrows(BackendException.class, () -> d.ops().relu2Gate(x, x, small));
            assertTrue(e.getMessage().contains("relu2Gate") && e.getMessage().contains("[2, 3]")
                    && e.getMessage().contains("[2, 8]"), e.getMessage());

            Tensor q = d.allocate(TensorSpec.f32(1, 8));
            Tensor cache = d.allocate(TensorSpec.f32(4, 8));
            e = assertThrows(BackendException.class, () -> d.ops().attentionPrefill(q, cache, cache, 0, 3, 1, q));
            assertTrue(e.getMessage().contains("attentionPrefill") && e.getMessage().contains("heads=3"), e.getMessage());
            e = assertThrows(BackendException.class, () -> d.ops().kvCacheFill(cache, x, 3));
            assertTrue(e.getMessage().contains("kvCacheFill") && e.getMessage().contains("[4, 8]"), e.getMessage());

            Tensor ids = Host.u32(d, 5);
            Tensor table = d.allocate(TensorSpec.of(DType.BF16, 5, 8));
            e = assertThrows(BackendException.class, () -> d.ops().embedding(table, ids, q));
            assertTrue(e.getMessage().contains("embedding") && e.getMessage().contains("ids[0] = 5"), e.getMessage());

            e = assertThrows(BackendException.class, () -> x.upload(MemorySegment.ofArray(new float[3])));
            assertTrue(e.getMessage().contains("[2, 8]") && e.getMessage().contains("64 bytes"), e.getMessage());
        }
    }

    @Test
    void invalidTernaryCodeIsRejectedAndNothingLeaks() {
        try (CpuDevice d = CpuDevice.open(DeviceOptions.defaults().withThreads(1))) {
            byte[] packed = {0b01010101, (byte) 0b11010101}; // [1, 2]: byte [0,1] holds code 3 for row 3
            BackendException e = assertThrows(BackendException.class, () -> d.uploadTernary(4, 2,
                    MemorySegment.ofArray(packed), 1f, MemoryPlacement.DEVICE_DRAM));
            assertTrue(e.getMessage().contains("uploadTernary") && e.getMessage().contains("row 3, column 1"), e.getMessage());
            assertEquals(0, d.liveTensorCount());
            e = assertThrows(BackendException.class, () -> d.uploadTernary(4, 2,
                    MemorySegment.ofArray(new byte[2]), Float.NaN, MemoryPlacement.DEVICE_DRAM));
            assertTrue(e.getMessage().contains("scale"), e.getMessage());
        }
    }

    @Test
    void blockFloatsAreStoredAsF32() {
        try (CpuDevice d = CpuDevice.open(DeviceOptions.defaults().withThreads(1))) {
            TensorSpec spec = new TensorSpec(io.bitnettt.spi.Shape.of(2, 2), DType.BFP8_B, io.bitnettt.spi.Layout.TILE,
                    MemoryPlacement.DEVICE_DRAM);
            Tensor t = d.upload(spec, MemorySegment.ofArray(new float[] {1.5f, -2, 3, 4}));
            float[] back = new float[4];
            t.download(MemorySegment.ofArray(back));
            org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {1.5f, -2, 3, 4}, back);
        }
    }
}
