package io.bitnettt.engine;

import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** Puts a {@link TinyModel} on a device the way a checkpoint would: packed ternary and bf16 tables. */
final class TinyModelUpload {
    private TinyModelUpload() {
    }

    static DeviceWeights upload(Device device, TinyModel m) {
        List<DeviceLayer> layers = new ArrayList<>();
        for (TinyModel.Layer L : m.layers) {
            layers.add(new DeviceLayer(f32(device, L.inputNorm), ternary(device, L.q, L.qs), ternary(device, L.k, L.ks),
                    ternary(device, L.v, L.vs), f32(device, L.attnSubNorm), ternary(device, L.o, L.os),
                    f32(device, L.postNorm), ternary(device, L.gate, L.gs), ternary(device, L.up, L.us),
                    f32(device, L.ffnSubNorm), ternary(device, L.down, L.ds)));
        }
        Tensor embedding = bf16(device, m.embedding);
        return new DeviceWeights(embedding, layers, f32(device, m.finalNorm), embedding);
    }

    static Tensor ternary(Device device, byte[][] w, float scale) {
        byte[] packed = TinyModel.packHf(w);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(packed.length);
            MemorySegment.copy(packed, 0, seg, ValueLayout.JAVA_BYTE, 0, packed.length);
            return device.uploadTernary(w.length, w[0].length, seg, scale, MemoryPlacement.DEVICE_DRAM);
        }
    }

    static Tensor f32(Device device, float[] v) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate((long) v.length * 4);
            MemorySegment.copy(v, 0, seg, ValueLayout.JAVA_FLOAT, 0, v.length);
            return device.upload(TensorSpec.f32(v.length), seg);
        }
    }

    static Tensor bf16(Device device, float[][] rows) {
        int n = rows.length, d = rows[0].length;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate((long) n * d * 2);
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < d; i++) {
                    seg.setAtIndex(ValueLayout.JAVA_SHORT, (long) r * d + i, TinyModel.bf16Bits(rows[r][i]));
                }
            }
            return device.upload(TensorSpec.of(DType.BF16, n, d), seg);
        }
    }
}
