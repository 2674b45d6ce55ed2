package io.bitnettt.engine;

import io.bitnettt.spi.Tensor;

import java.util.List;

/**
 * All model weights resident on one device. {@code output} is the same tensor as {@code embedding}
 * when the config ties them, so it is closed only once. {@code outputInt8}, when not null, is an
 * int8 per-row quantized copy of {@code output} that the forward pass uses for the logits instead.
 */
public record DeviceWeights(Tensor embedding, List<DeviceLayer> layers, Tensor finalNorm, Tensor output,
                            QuantizedTable outputInt8) implements AutoCloseable {

    /** INT8 {@code [V, d]} codes and their F32 {@code [V]} row scales, see {@code RowQuantization}. */
    public record QuantizedTable(Tensor codes, Tensor rowScales) {
    }

    public DeviceWeights {
        layers = List.copyOf(layers);
    }

    public DeviceWeights(Tensor embedding, List<DeviceLayer> layers, Tensor finalNorm, Tensor output) {
        this(embedding, layers, finalNorm, output, null);
    }

    @Override
    public void close() {
        for (DeviceLayer l : layers) {
            l.all().forEach(Tensor::close);
        }
        finalNorm.close();
        embedding.close();
        output.close();
        if (outputInt8 != null) {
            outputInt8.codes().close();
            outputInt8.rowScales().close();
        }
    }
}
