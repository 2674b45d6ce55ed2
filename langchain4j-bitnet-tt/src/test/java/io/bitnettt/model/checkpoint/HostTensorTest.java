package io.bitnettt.model.checkpoint;

import io.bitnettt.safetensors.HalfFloats;
import io.bitnettt.safetensors.SafetensorsDType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class HostTensorTest {

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void convertsBetweenFloatFormats() {
        float[] values = {1f, -2.5f, 0.15625f};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f16 = arena.allocate(6);
            for (int i = 0; i < 3; i++) {
                f16.set(LE16, i * 2L, HalfFloats.floatToF16(values[i]));
            }
            HostTensor t = new HostTensor("n", SafetensorsDType.F16, new long[]{3}, f16);
            assertArrayEquals(values, t.toFloatArray());
            MemorySegment bf16 = t.asBf16(arena);
            HostTensor b = new HostTensor("n", SafetensorsDType.BF16, new long[]{3}, bf16);
            assertArrayEquals(values, b.toFloatArray());
            assertSame(bf16, b.asBf16(arena));
            MemorySegment f32 = b.asF32(arena);
            assertEquals(-2.5f, f32.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4));
            assertEquals(3, b.elementCount());
            float[] tail = new float[2];
            t.read(1, tail);
            assertArrayEquals(new float[]{-2.5f, 0.15625f}, tail);
            b.read(1, tail);
            assertArrayEquals(new float[]{-2.5f, 0.15625f}, tail);
            new HostTensor("n", SafetensorsDType.F32, new long[]{3}, f32).read(1, tail);
            assertArrayEquals(new float[]{-2.5f, 0.15625f}, tail);
        }
    }

    @Test
    void bf16CopiesOfLongTensorsRoundEveryElementToNearestEven() {
        // Longer than the conversion's chunk and not a multiple of it; F16 and F32 sources.
        int n = (1 << 17) + 7;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f16 = arena.allocate(2L * n);
            MemorySegment f32 = arena.allocate(4L * n);
            for (int i = 0; i < n; i++) {
                f16.set(LE16, 2L * i, (short) (i * 7919));
                f32.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, i * 1.0001f - 3e4f);
            }
            for (HostTensor t : new HostTensor[] {new HostTensor("h", SafetensorsDType.F16, new long[]{n}, f16),
                    new HostTensor("f", SafetensorsDType.F32, new long[]{n}, f32)}) {
                MemorySegment bf16 = t.asBf16(arena);
                for (int i = 0; i < n; i++) {
                    assertEquals(HalfFloats.floatToBf16(t.get(i)), bf16.get(LE16, 2L * i), t.name() + " at " + i);
                }
            }
        }
    }
}
