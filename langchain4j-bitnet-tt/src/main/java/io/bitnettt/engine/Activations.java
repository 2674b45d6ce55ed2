package io.bitnettt.engine;

import io.bitnettt.spi.Device;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;

import java.util.List;

/**
 * Scratch tensors for a block of {@code tokens} tokens, allocated once and reused by every layer,
 * so a decode step allocates nothing.
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

    Activations(Device device, ModelDims d, int tokens) {
        this.tokens = tokens;
        x = device.allocate(TensorSpec.f32(tokens, d.hidden()));
        normed = device.allocate(TensorSpec.f32(tokens, d.hidden()));
        q = device.allocate(TensorSpec.f32(tokens, (long) d.heads() * d.headDim()));
        k = device.allocate(TensorSpec.f32(tokens, d.kvDim()));
        v = device.allocate(TensorSpec.f32(tokens, d.kvDim()));
        attn = device.allocate(TensorSpec.f32(tokens, (long) d.heads() * d.headDim()));
        proj = device.allocate(TensorSpec.f32(tokens, d.hidden()));
        gate = device.allocate(TensorSpec.f32(tokens, d.intermediate()));
        up = device.allocate(TensorSpec.f32(tokens, d.intermediate()));
    }

    @Override
    public void close() {
        List.of(x, normed, q, k, v, attn, proj, gate, up).forEach(Tensor::close);
    }
}
