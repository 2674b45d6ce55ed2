package io.bitnettt.engine;

import io.bitnettt.spi.ScreenedTable;
import io.bitnettt.spi.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * All model weights resident on one device. {@code output} is the same tensor as {@code embedding}
 * when the config ties them, so it is closed only once. {@code outputInt8}, when not null, is an
 * int8 per-row quantized copy of {@code output} that the forward pass uses for the logits instead
 * (approximate). {@code screen}, when not null, is {@code output} with its coarse copy, which the
 * forward pass uses to find greedy and top-k tokens exactly ({@link OutputScreens}).
 * {@code hostMemory}, when not null, holds host buffers some tensors read in place; it is closed
 * after them.
 */
public record DeviceWeights(Tensor embedding, List<DeviceLayer> layers, Tensor finalNorm, Tensor output,
                            QuantizedTable outputInt8, ScreenedTable screen, Arena hostMemory)
        implements AutoCloseable {

    /** INT8 {@code [V, d]} codes and their F32 {@code [V]} row scales, see {@code RowQuantization}. */
    public record QuantizedTable(Tensor codes, Tensor rowScales) {
    }

    public DeviceWeights {
        layers = List.copyOf(layers);
    }

    public DeviceWeights(Tensor embedding, List<DeviceLayer> layers, Tensor finalNorm, Tensor output) {
        this(embedding, layers, finalNorm, output, null, null, null);
    }

    public DeviceWeights(Tensor embedding, List<DeviceLayer> layers, Tensor finalNorm, Tensor output,
                         QuantizedTable outputInt8) {
        this(embedding, layers, finalNorm, output, outputInt8, null, null);
    }

    /** These weights with {@code screen} (built over {@link #output}) and the arena its buffers live in. */
    public DeviceWeights withScreen(ScreenedTable screen, Arena hostMemory) {
        return new DeviceWeights(embedding, layers, finalNorm, output, outputInt8, screen, hostMemory);
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
        if (screen != null) {
            screen.closeScreen();
        }
        if (hostMemory != null) {
            hostMemory.close();
        }
    }
}
