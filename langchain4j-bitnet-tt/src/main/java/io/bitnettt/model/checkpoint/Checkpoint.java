package io.bitnettt.model.checkpoint;

import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.ModelConfigJson;
import io.bitnettt.safetensors.SafetensorsSet;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An opened Hugging Face BitNet model folder ({@code config.json} plus {@code model.safetensors} or
 * a sharded index): the config and validated host-side weights. Packed weights and bf16 tensors are
 * zero-copy views of the memory-mapped files; master weights (the -bf16 repo) are quantized at open
 * into memory this object owns. Close it once the weights are uploaded to a device.
 *
 * <p>Every problem with the folder is reported as a {@link CheckpointException}.
 */
public final class Checkpoint implements HostWeights, AutoCloseable {

    private final Path directory;
    private final ModelConfig config;
    private final SafetensorsSet tensors;
    private final Arena arena;
    private final List<LayerWeights> layers;
    private final HostTensor embedding;
    private final HostTensor finalNorm;
    private final HostTensor lmHead;
    private final boolean quantizedAtLoad;
    private final List<String> warnings;
    private boolean closed;

    private Checkpoint(Path directory, ModelConfig config, SafetensorsSet tensors, Arena arena,
                       List<LayerWeights> layers, HostTensor embedding, HostTensor finalNorm, HostTensor lmHead,
                       boolean quantizedAtLoad, List<String> warnings) {
        this.directory = directory;
        this.config = config;
        this.tensors = tensors;
        this.arena = arena;
        this.layers = List.copyOf(layers);
        this.embedding = embedding;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.quantizedAtLoad = quantizedAtLoad;
        this.warnings = List.copyOf(warnings);
    }

    /** Opens and fully validates the model folder {@code dir}. */
    public static Checkpoint open(Path dir) {
        Path configFile = dir.resolve(ModelConfigJson.FILE_NAME);
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointException(ModelConfigJson.FILE_NAME, "(file)", "missing from model folder " + dir);
        }
        ModelConfig config = ModelConfigJson.read(configFile);
        SafetensorsSet tensors = SafetensorsSet.open(dir);
        Arena arena = Arena.ofShared();
        try {
            CheckpointLoader loader = new CheckpointLoader(config, tensors, arena);
            loader.checkAllPresent();
            HostTensor embedding = loader.embeddingLike(TensorNames.EMBEDDING);
            HostTensor finalNorm = loader.norm(TensorNames.FINAL_NORM, config.hiddenSize());
            HostTensor lmHead = config.tieWordEmbeddings() ? null : loader.embeddingLike(TensorNames.LM_HEAD);
            List<LayerWeights> layers = new ArrayList<>(config.numHiddenLayers());
            for (int l = 0; l < config.numHiddenLayers(); l++) {
                layers.add(new LayerWeights(l,
                        loader.projection(l, Projection.Q), loader.projection(l, Projection.K),
                        loader.projection(l, Projection.V), loader.projection(l, Projection.O),
                        loader.projection(l, Projection.GATE), loader.projection(l, Projection.UP),
                        loader.projection(l, Projection.DOWN),
                        loader.norm(TensorNames.norm(l, LayerNorm.INPUT), LayerNorm.INPUT.width(config)),
                        loader.norm(TensorNames.norm(l, LayerNorm.POST_ATTENTION), LayerNorm.POST_ATTENTION.width(config)),
                        loader.norm(TensorNames.norm(l, LayerNorm.ATTN_SUB), LayerNorm.ATTN_SUB.width(config)),
                        loader.norm(TensorNames.norm(l, LayerNorm.FFN_SUB), LayerNorm.FFN_SUB.width(config))));
            }
            return new Checkpoint(dir, config, tensors, arena, layers, embedding, finalNorm, lmHead,
                    loader.quantizedAtLoad(), loader.warnings());
        } catch (RuntimeException e) {
            arena.close();
            tensors.close();
            throw e;
        }
    }

    public Path directory() {
        return directory;
    }

    public ModelConfig config() {
        return config;
    }

    public int layerCount() {
        return layers.size();
    }

    public LayerWeights layer(int i) {
        return layers.get(i);
    }

    @Override
    public List<LayerWeights> layers() {
        return layers;
    }

    /** {@code model.embed_tokens.weight}, {@code [vocab, hidden]}. */
    @Override
    public HostTensor embedding() {
        return embedding;
    }

    /** {@code model.norm.weight}, {@code [hidden]}. */
    @Override
    public HostTensor finalNorm() {
        return finalNorm;
    }

    /** The logits weight {@code [vocab, hidden]}: the embedding when tied, else {@code lm_head.weight}. */
    @Override
    public HostTensor outputWeight() {
        return lmHead == null ? embedding : lmHead;
    }

    @Override
    public boolean outputTied() {
        return lmHead == null;
    }

    /** True when master weights were found and quantized with absmean at open. */
    public boolean quantizedAtLoad() {
        return quantizedAtLoad;
    }

    /** Suspicious but loadable findings, such as an all-zero ternary tensor. */
    public List<String> warnings() {
        return warnings;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Frees the converted ternary weights ({@link HostWeights#releaseConverted}); the mapping stays. */
    @Override
    public void releaseConverted() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    /** Unmaps the files and frees quantized weights; every segment handed out becomes invalid. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            releaseConverted();
            tensors.close();
        }
    }
}
