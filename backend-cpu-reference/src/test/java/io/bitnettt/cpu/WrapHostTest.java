package io.bitnettt.cpu;

import static io.bitnettt.cpu.Host.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import org.junit.jupiter.api.Test;

/** {@code wrapHost}: the CPU device reads aligned host memory in place and copies what it cannot read so. */
class WrapHostTest {
    @Test
    void wrappedHostMemoryIsReadInPlaceAndUnalignedMemoryIsCopied() {
        try (CpuDevice device = CpuDevice.open(DeviceOptions.defaults().withThreads(1));
             Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(4 * 4, 4);
            try (Tensor t = device.wrapHost(TensorSpec.f32(4), host)) {
                host.setAtIndex(ValueLayout.JAVA_FLOAT, 2, 5f);
                assertArrayEquals(new float[] {0, 0, 5, 0}, floats(t));
            }
            assertEquals(0f, host.getAtIndex(ValueLayout.JAVA_FLOAT, 0), "closing frees nothing of the host's");
            MemorySegment odd = arena.allocate(4 * 4 + 1, 4).asSlice(1);
            try (Tensor t = device.wrapHost(TensorSpec.f32(4), odd)) {
                odd.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 7f);
                assertArrayEquals(new float[4], floats(t), "an unaligned segment is copied");
            }
        }
    }
}
