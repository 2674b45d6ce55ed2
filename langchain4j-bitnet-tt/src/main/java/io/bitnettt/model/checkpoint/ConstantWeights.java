package io.bitnettt.model.checkpoint;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.safetensors.SafetensorsDType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Weights of the shapes and dtypes of a checkpoint for {@code config} but constant values: ternary
 * weights all 0 (scale 1), norms all 1, a zero embedding table. For runs where only the shapes
 * matter, such as counting a device's traffic, without writing or reading a checkpoint.
 *
 * <p>Host memory is one buffer per kind, shared by every tensor of that kind (views of the largest):
 * the bf16 table ({@code vocab x hidden x 2} bytes) dominates. Close it to free them.
 */
public final class ConstantWeights implements HostWeights, AutoCloseable {
    /** HF packed code 1 (value 0) in all four 2-bit fields of a byte. */
    private static final byte PACKED_ZEROS = 0x55;

    private final Arena arena = Arena.ofShared();
    private final List<LayerWeights> layers = new ArrayList<>();
    private final HostTensor embedding;
    private final HostTensor finalNorm;
    private final HostTensor lmHead;

    public ConstantWeights(ModelConfig config) {
        try {
            long packedBytes = 0;
            for (Projection p : Projection.values()) {
                packedBytes = Math.max(packedBytes, (long) p.outFeatures(config) / 4 * p.inFeatures(config));
            }
            MemorySegment packed = arena.allocate(packedBytes).fill(PACKED_ZEROS);
            int normWidth = Math.max(config.hiddenSize(), config.intermediateSize());
            MemorySegment ones = arena.allocate((long) normWidth * Float.BYTES, Float.BYTES);
            for (int i = 0; i < normWidth; i++) {
                ones.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
            }
            long[] tableShape = {config.vocabSize(), config.hiddenSize()};
            MemorySegment table = arena.allocate(tableShape[0] * tableShape[1] * 2, 2);
            for (int l = 0; l < config.numHiddenLayers(); l++) {
                PackedTernary[] w = new PackedTernary[Projection.values().length];
                for (Projection p : Projection.values()) {
                    long out = p.outFeatures(config), in = p.inFeatures(config);
                    w[p.ordinal()] = new PackedTernary(out, in, packed.asSlice(0, out / 4 * in), 1f);
                }
                HostTensor[] n = new HostTensor[LayerNorm.values().length];
                for (LayerNorm k : LayerNorm.values()) {
                    n[k.ordinal()] = norm(TensorNames.norm(l, k), k.width(config), ones);
                }
                layers.add(new LayerWeights(l, w[Projection.Q.ordinal()], w[Projection.K.ordinal()],
                        w[Projection.V.ordinal()], w[Projection.O.ordinal()], w[Projection.GATE.ordinal()],
                        w[Projection.UP.ordinal()], w[Projection.DOWN.ordinal()], n[LayerNorm.INPUT.ordinal()],
                        n[LayerNorm.POST_ATTENTION.ordinal()], n[LayerNorm.ATTN_SUB.ordinal()],
                        n[LayerNorm.FFN_SUB.ordinal()]));
            }
            embedding = new HostTensor(TensorNames.EMBEDDING, SafetensorsDType.BF16, tableShape, table);
            lmHead = config.tieWordEmbeddings() ? null
                    : new HostTensor(TensorNames.LM_HEAD, SafetensorsDType.BF16, tableShape, table);
            finalNorm = norm(TensorNames.FINAL_NORM, config.hiddenSize(), ones);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static HostTensor norm(String name, int width, MemorySegment ones) {
        return new HostTensor(name, SafetensorsDType.F32, new long[] {width},
                ones.asSlice(0, (long) width * Float.BYTES));
    }

    @Override
    public List<LayerWeights> layers() {
        return List.copyOf(layers);
    }

    @Override
    public HostTensor embedding() {
        return embedding;
    }

    @Override
    public HostTensor finalNorm() {
        return finalNorm;
    }

    @Override
    public HostTensor outputWeight() {
        return lmHead == null ? embedding : lmHead;
    }

    @Override
    public boolean outputTied() {
        return lmHead == null;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
