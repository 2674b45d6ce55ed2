package io.bitnettt.engine;

import io.bitnettt.spi.Tensor;

import java.util.List;

/** One decoder layer's weights resident on a device, named as in the Hugging Face checkpoint. */
public record DeviceLayer(Tensor inputNorm, Tensor q, Tensor k, Tensor v, Tensor attnSubNorm, Tensor o,
                           Tensor postAttentionNorm, Tensor gate, Tensor up, Tensor ffnSubNorm, Tensor down) {

    List<Tensor> all() {
        return List.of(inputNorm, q, k, v, attnSubNorm, o, postAttentionNorm, gate, up, ffnSubNorm, down);
    }
}
