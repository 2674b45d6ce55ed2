package io.bitnettt.engine;

import io.bitnettt.spi.Tensor;

import java.util.List;

/**
 * All model weights resident on one device. {@code output} is the same tensor as {@code embedding}
 * when the config ties them, so it is closed only once.
 */
public record DeviceWeights(Tensor embedding, List<DeviceLayer> layers, Tensor finalNorm, Tensor output)
        implements AutoCloseable {

    public DeviceWeights {
        layers = List.copyOf(layers);
    }

    @Override
    public void close() {
        for (DeviceLayer l : layers) {
            l.all().forEach(Tensor::close);
        }
        finalNorm.close();
        embedding.close();
        output.close();
    }
}
