package io.bitnettt.model.gguf;

import io.bitnettt.gguf.GgufFile;
import io.bitnettt.gguf.GgufTensorInfo;
import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.HostTensor;
import io.bitnettt.model.checkpoint.HostWeights;
import io.bitnettt.model.checkpoint.LayerNorm;
import io.bitnettt.model.checkpoint.LayerWeights;
import io.bitnettt.model.checkpoint.MappedPages;
import io.bitnettt.model.checkpoint.PackedTernary;
import io.bitnettt.model.checkpoint.Projection;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An opened BitNet b1.58 GGUF file (bitnet.cpp's I2_S, llama.cpp's TQ1_0/TQ2_0, or an F16/BF16/F32
 * master): its config and validated host-side weights, the GGUF counterpart of
 * {@link io.bitnettt.model.checkpoint.Checkpoint}. Norms and the embedding are zero-copy views of
 * the mapped file; ternary projections are decoded at open into the Hugging Face packed layout,
 * in memory this object owns (about a quarter of a byte per weight, 0.52 GB for 2B-4T). Close it
 * once the weights are uploaded.
 *
 * <p>Every problem with the file is reported as a {@link CheckpointException}; tensors the engine
 * would ignore (biases, extra scales, rope factors) are refused rather than silently dropped.
 */
public final class GgufCheckpoint implements HostWeights, AutoCloseable {

    private final GgufFile file;
    private final String architecture;
    private final ModelConfig config;
    private final Arena arena;
    private final List<LayerWeights> layers;
    private final HostTensor embedding;
    private final HostTensor finalNorm;
    private final HostTensor output;
    private final boolean quantizedAtLoad;
    private final List<String> warnings;
    private boolean closed;

    private GgufCheckpoint(GgufFile file, String architecture, ModelConfig config, Arena arena,
                           List<LayerWeights> layers, HostTensor embedding, HostTensor finalNorm, HostTensor output,
                           boolean quantizedAtLoad, List<String> warnings) {
        this.file = file;
        this.architecture = architecture;
        this.config = config;
        this.arena = arena;
        this.layers = List.copyOf(layers);
        this.embedding = embedding;
        this.finalNorm = finalNorm;
        this.output = output;
        this.quantizedAtLoad = quantizedAtLoad;
        this.warnings = List.copyOf(warnings);
    }

    /** Maps, checks and decodes {@code path}. */
    public static GgufCheckpoint open(Path path) {
        GgufFile file = GgufFile.open(path);
        try {
            return open(file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Reads the weights of an opened file, taking ownership of it (closing this closes it). */
    public static GgufCheckpoint open(GgufFile file) {
        String arch = GgufModelConfig.architecture(file);
        ModelConfig config = GgufModelConfig.read(file);
        checkTensorSet(file, config);
        Arena arena = Arena.ofShared();
        try {
            List<String> warnings = new ArrayList<>();
            boolean quantized = false;
            HostTensor embedding = GgufHostTensors.table(file, file.tensor(GgufTensorNames.EMBEDDING),
                    config.vocabSize(), config.hiddenSize());
            HostTensor output = config.tieWordEmbeddings() ? null : GgufHostTensors.table(file,
                    file.tensor(GgufTensorNames.OUTPUT), config.vocabSize(), config.hiddenSize());
            HostTensor finalNorm = GgufHostTensors.norm(file, file.tensor(GgufTensorNames.FINAL_NORM),
                    config.hiddenSize());
            List<LayerWeights> layers = new ArrayList<>(config.numHiddenLayers());
            for (int l = 0; l < config.numHiddenLayers(); l++) {
                PackedTernary[] w = new PackedTernary[Projection.values().length];
                for (Projection p : Projection.values()) {
                    GgufTensorInfo t = file.tensor(GgufTensorNames.weight(l, p));
                    GgufTernary.Result r = GgufTernary.decode(file, t, p.outFeatures(config), p.inFeatures(config),
                            arena);
                    // Decoded into the arena: the file's pages of it are not needed resident any more.
                    MappedPages.release(file.data(t));
                    quantized |= r.quantizedAtLoad();
                    if (r.allZero()) {
                        warnings.add(file.fileName() + ": " + t.name() + ": every weight is zero (see BitNet issue #608)");
                    }
                    w[p.ordinal()] = r.weights();
                }
                HostTensor[] n = new HostTensor[LayerNorm.values().length];
                for (LayerNorm norm : LayerNorm.values()) {
                    n[norm.ordinal()] = GgufHostTensors.norm(file, file.tensor(GgufTensorNames.norm(l, norm)),
                            norm.width(config));
                }
                layers.add(new LayerWeights(l, w[0], w[1], w[2], w[3], w[4], w[5], w[6],
                        n[LayerNorm.INPUT.ordinal()], n[LayerNorm.POST_ATTENTION.ordinal()],
                        n[LayerNorm.ATTN_SUB.ordinal()], n[LayerNorm.FFN_SUB.ordinal()]));
            }
            return new GgufCheckpoint(file, arch, config, arena, layers, embedding, finalNorm, output, quantized,
                    warnings);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Fails listing every missing tensor at once, then every tensor the engine would not use. A
     * block count above the blocks in the file fails first, so a corrupt count cannot produce a
     * list of a billion names.
     */
    private static void checkTensorSet(GgufFile file, ModelConfig config) {
        int blocksInFile = 0;
        for (GgufTensorInfo t : file.tensors()) {
            String name = t.name();
            if (name.startsWith("blk.")) {
                int dot = name.indexOf('.', 4);
                try {
                    blocksInFile = Math.max(blocksInFile, Integer.parseInt(name, 4, dot < 0 ? name.length() : dot, 10) + 1);
                } catch (NumberFormatException e) {
                    // reported below as an unexpected tensor
                }
            }
        }
        String arch = GgufModelConfig.architecture(file);
        if (config.numHiddenLayers() > blocksInFile) {
            throw new CheckpointException(file.fileName(), arch + ".block_count", config.numHiddenLayers()
                    + " found, but the file holds tensors for " + blocksInFile + " block(s)");
        }
        Set<String> expected = new LinkedHashSet<>();
        expected.add(GgufTensorNames.EMBEDDING);
        expected.add(GgufTensorNames.FINAL_NORM);
        if (!config.tieWordEmbeddings()) {
            expected.add(GgufTensorNames.OUTPUT);
        }
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            for (LayerNorm n : LayerNorm.values()) {
                expected.add(GgufTensorNames.norm(l, n));
            }
            for (Projection p : Projection.values()) {
                expected.add(GgufTensorNames.weight(l, p));
            }
        }
        List<String> missing = expected.stream().filter(n -> !file.contains(n)).toList();
        if (!missing.isEmpty()) {
            throw new CheckpointException(file.fileName(), "missing tensors", missing.size()
                    + " required tensor(s) missing: " + String.join(", ", missing));
        }
        List<String> extra = file.tensors().stream().map(GgufTensorInfo::name).filter(n -> !expected.contains(n))
                .toList();
        if (!extra.isEmpty()) {
            throw new CheckpointException(file.fileName(), "unexpected tensors", extra.size() + " tensor(s) that a"
                    + " BitNet b1.58 model does not have and this engine would ignore, changing the results: "
                    + String.join(", ", extra.size() > 20 ? extra.subList(0, 20) : extra)
                    + (extra.size() > 20 ? ", ..." : ""));
        }
    }

    public GgufFile file() {
        return file;
    }

    /** The architecture string as the file states it ({@code bitnet}, {@code bitnet-25}, {@code bitnet-b1.58}). */
    public String architecture() {
        return architecture;
    }

    public ModelConfig config() {
        return config;
    }

    @Override
    public List<LayerWeights> layers() {
        return layers;
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
        return output == null ? embedding : output;
    }

    @Override
    public boolean outputTied() {
        return output == null;
    }

    /** True when some projection was not exactly ternary and was quantized with absmean at open. */
    public boolean quantizedAtLoad() {
        return quantizedAtLoad;
    }

    /** Suspicious but loadable findings, such as an all-zero ternary tensor. */
    public List<String> warnings() {
        return warnings;
    }

    /** Bytes this object allocated beyond the mapping: the decoded ternary weights. */
    public long decodedBytes() {
        long n = 0;
        for (LayerWeights l : layers) {
            for (Projection p : Projection.values()) {
                n += l.projection(p).hfPacked().byteSize();
            }
        }
        return n;
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

    /** Frees the decoded weights and unmaps the file; every segment handed out becomes invalid. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            releaseConverted();
            file.close();
        }
    }
}
