package io.bitnettt.engine;

import io.bitnettt.spi.Device;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;

import java.util.List;

/**
 * Scratch tensors for a block of {@code tokens} tokens, allocated once and reused by every layer,
 * so a decode step allocates nothing. The decode step's set is small enough for on-chip memory
 * (a few MiB at 2B-4T shapes), where its ops avoid a DRAM round trip per intermediate.
 */
final class Activations implements AutoCloseable {
    final int tokens;
    final Tensor x;       // residual stream [T, hidden]
    final Tensor normed;  // [T, hidden]
    final Tensor q;       // [T, heads*headDim]
    final Tensor k;       // [T, kvDim]
    final Tensor v;       // [T, kvDim]
    final Tensor attn;    // [T, heads*headDim]
    final Tensor proj;    // o_proj / down_proj output [T, hidden]
    final Tensor gate;    // [T, intermediate]; also holds relu²(gate)·up and its norm
    final Tensor up;      // [T, intermediate]

    Activations(Device device, ModelDims d, int tokens, MemoryPlacement placement) {
        this.tokens = tokens;
        x = device.allocate(TensorSpec.f32(tokens, d.hidden()).withPlacement(placement));
        normed = device.allocate(TensorSpec.f32(tokens, d.hidden()).withPlacement(placement));
        q = device.allocate(TensorSpec.f32(tokens, (long) d.heads() * d.headDim()).withPlacement(placement));
        k = device.allocate(TensorSpec.f32(tokens, d.kvDim()).withPlacement(placement));
        v = device.allocate(TensorSpec.f32(tokens, d.kvDim()).withPlacement(placement));
        attn = device.allocate(TensorSpec.f32(tokens, (long) d.heads() * d.headDim()).withPlacement(placement));
        proj = device.allocate(TensorSpec.f32(tokens, d.hidden()).withPlacement(placement));
        gate = device.allocate(TensorSpec.f32(tokens, d.intermediate()).withPlacement(placement));
        up = device.allocate(TensorSpec.f32(tokens, d.intermediate()).withPlacement(placement));
    }

    @Override
    public void close() {
        List.of(x, normed, q, k, v, attn, proj, gate, up).forEach(Tensor::close);
    }
}
