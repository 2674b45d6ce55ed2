package io.bitnettt.cpu;

import static io.bitnettt.cpu.Host.f32;
import static io.bitnettt.cpu.Host.floats;
import static io.bitnettt.cpu.Host.gaussian;
import static io.bitnettt.cpu.Host.randomTernary;
import static io.bitnettt.cpu.Host.ternary;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import io.bitnettt.spi.DType;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import org.junit.jupiter.api.Test;

/**
 * The background warm-up a device starts at open: it leaves no thread behind, gives way to the
 * first op of anyone else, frees its own tensors, and changes no result.
 */
class KernelWarmupTest {

    @Test
    void closingTheDeviceStopsTheWarmupAndLeavesNoThread() {
        CpuDevice device = CpuDevice.open(DeviceOptions.defaults().withThreads(2));
        device.close();
        assertFalse(device.warmingUp(), "the warm-up thread outlived its device");
    }

    @Test
    void anotherThreadsOpEndsTheWarmupAndItsTensorsAreNotTheDevices() {
        try (CpuDevice device = CpuDevice.open(DeviceOptions.defaults().withThreads(2))) {
            Tensor a = device.allocate(TensorSpec.f32(1, 8));
            assertEquals(1, device.liveTensorCount(), "the warm-up's tensors are its own, not the device's");
            device.ops().add(a, a, a);
            // The warm-up checks at its next op; the device's close waits for it to leave.
            device.close();
            assertFalse(device.warmingUp());
            assertThrows(io.bitnettt.spi.BackendException.class, () -> device.ops().add(a, a, a));
        }
    }

    @Test
    void resultsAreTheSameBitsWithAndWithoutTheWarmup() {
        float[][] with = project(true);
        float[][] without = project(false);
        assertArrayEquals(without[0], with[0]);
        assertArrayEquals(without[1], with[1]);
    }

    /** A ternary linear and an rmsNorm, on a device opened with or without the warm-up. */
    private static float[][] project(boolean warmup) {
        try (TemporaryProperty p = TemporaryProperty.set(CpuDevice.WARMUP_PROPERTY, Boolean.toString(warmup));
             CpuDevice device = CpuDevice.open(DeviceOptions.defaults().withThreads(2))) {
            assertTrue(warmup || !device.warmingUp());
            Random r = new Random(4);
            Tensor x = f32(device, gaussian(r, 3 * 512, 1f), 3, 512);
            Tensor w = ternary(device, randomTernary(r, 256 * 512), 256, 512, 0.03f);
            Tensor norm = f32(device, gaussian(r, 512, 1f), 512);
            Tensor y = device.allocate(TensorSpec.f32(3, 256));
            Tensor normed = device.allocate(TensorSpec.f32(3, 512));
            device.ops().ternaryLinear(x, w, y);
            device.ops().rmsNorm(x, norm, 1e-5f, normed);
            return new float[][] {floats(y), floats(normed)};
        }
    }

    @Test
    void itWarmsAttentionOverEveryKvCacheTypeTheOpsAccept() {
        try (TemporaryProperty p = TemporaryProperty.set(CpuDevice.WARMUP_PROPERTY, "false");
             CpuDevice device = CpuDevice.open(DeviceOptions.defaults().withThreads(1))) {
            for (DType type : DType.values()) {
                assertEquals(device.ops().supportsKvCache(type), KernelWarmup.CACHE_TYPES.contains(type), type.name());
            }
            // Past a prefill block on each type: the warm-up's own run swallows failures, so a cache
            // its ops refuse would end it unseen.
            new KernelWarmup(device).runSteps(KernelWarmup.CACHE_TYPES.size() * KernelWarmup.PREFILL_EVERY + 1);
        }
    }

    @Test
    void aBadPropertyValueIsRefusedByName() {
        try (TemporaryProperty p = TemporaryProperty.set(CpuDevice.WARMUP_PROPERTY, "sometimes")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CpuDevice.open(DeviceOptions.defaults().withThreads(2)));
            assertTrue(e.getMessage().contains(CpuDevice.WARMUP_PROPERTY) && e.getMessage().contains("sometimes"),
                    e.getMessage());
        }
    }
}
