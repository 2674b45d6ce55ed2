package io.bitnettt.engine;

import io.bitnettt.gguf.GgufFile;
import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.model.checkpoint.HostTensor;
import io.bitnettt.model.checkpoint.HostWeights;
import io.bitnettt.model.checkpoint.LayerWeights;
import io.bitnettt.model.checkpoint.Projection;
import io.bitnettt.model.gguf.GgufCheckpoint;
import io.bitnettt.model.gguf.GgufTokenizer;
import io.bitnettt.tokenizer.BpeTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a model path holds, read and validated before any device is opened: the config, the
 * host-side weights and the tokenizer. A path may be
 * <ul>
 *   <li>a Hugging Face folder ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json});</li>
 *   <li>a GGUF file (bitnet.cpp's {@code ggml-model-i2_s.gguf}, llama.cpp's TQ1_0/TQ2_0, or F16);</li>
 *   <li>a folder without {@code config.json} holding exactly one {@code .gguf} file, which is what
 *       {@code bitnet download} leaves for a GGUF repository.</li>
 * </ul>
 */
final class ModelFiles implements AutoCloseable {
    private final ModelConfig config;
    private final HostWeights weights;
    private final BpeTokenizer tokenizer;
    private final AutoCloseable owner;
    private final Path configSource;
    private final String contextKey;

    private ModelFiles(ModelConfig config, HostWeights weights, BpeTokenizer tokenizer, AutoCloseable owner,
                       Path configSource, String contextKey) {
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.owner = owner;
        this.configSource = configSource;
        this.contextKey = contextKey;
    }

    static ModelFiles open(Path path) {
        if (Files.isRegularFile(path)) {
            if (!GgufFile.isGguf(path)) {
                throw new IllegalArgumentException("model path " + path + " is a file but not a GGUF file (it does not"
                        + " start with \"GGUF\"); expected a .gguf file or a Hugging Face model folder with config.json,"
                        + " model.safetensors and tokenizer.json");
            }
            return gguf(path);
        }
        if (!Files.isDirectory(path)) {
            throw new IllegalArgumentException("model path " + path + " does not exist; expected a Hugging Face model"
                    + " folder with config.json, model.safetensors and tokenizer.json, or a .gguf file");
        }
        if (!Files.exists(path.resolve("config.json"))) {
            List<Path> ggufs = ggufFilesIn(path);
            if (ggufs.size() == 1) {
                return gguf(ggufs.getFirst());
            }
            if (ggufs.size() > 1) {
                throw new IllegalArgumentException("model folder " + path + " has no config.json and several GGUF files "
                        + ggufs.stream().map(p -> p.getFileName().toString()).toList() + "; name one of them");
            }
        }
        return huggingFace(path);
    }

    private static ModelFiles gguf(Path file) {
        GgufCheckpoint checkpoint = GgufCheckpoint.open(file);
        try {
            BpeTokenizer tokenizer = GgufTokenizer.read(checkpoint.file());
            return new ModelFiles(checkpoint.config(), checkpoint, tokenizer, checkpoint, file,
                    checkpoint.architecture() + ".context_length");
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    private static ModelFiles huggingFace(Path dir) {
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IllegalArgumentException("model folder " + dir + " has no tokenizer.json");
        }
        BpeTokenizer tokenizer = BpeTokenizer.load(tokenizerJson);
        Checkpoint checkpoint = Checkpoint.open(dir);
        return new ModelFiles(checkpoint.config(), checkpoint, tokenizer, checkpoint, dir.resolve("config.json"),
                "max_position_embeddings");
    }

    private static List<Path> ggufFilesIn(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".gguf") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list model folder " + dir, e);
        }
    }

    ModelConfig config() {
        return config;
    }

    HostWeights weights() {
        return weights;
    }

    BpeTokenizer tokenizer() {
        return tokenizer;
    }

    /** The file the config came from (config.json or the GGUF file), for messages. */
    Path configSource() {
        return configSource;
    }

    /** Where the model's context length comes from, e.g. {@code max_position_embeddings of x/config.json}. */
    String contextSource() {
        return contextKey + " of " + configSource;
    }

    /**
     * Gives back the pages of the memory-mapped files that reads have made resident; they stay in
     * the page cache and fault back in when read. A model that reads its table in place calls this
     * after loading and after each request, so that neither what loading read last (norms, scales,
     * the captured step's rows, 64 KB of fault-around each) nor the rows its tokens touched pile up
     * in its resident set from request to request. Memory that is not mapped is left alone.
     */
    void releaseMappedPages() {
        HostMemory.release(weights.embedding().data());
        if (!weights.outputTied()) {
            HostMemory.release(weights.outputWeight().data());
        }
        HostMemory.release(weights.finalNorm().data());
        for (LayerWeights l : weights.layers()) {
            for (Projection p : Projection.values()) {
                HostMemory.release(l.projection(p).hfPacked());
            }
            for (HostTensor norm : List.of(l.inputNorm(), l.postAttentionNorm(), l.attnSubNorm(), l.ffnSubNorm())) {
                HostMemory.release(norm.data());
            }
        }
    }

    @Override
    public void close() {
        try {
            owner.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + configSource + " failed", e);
        }
    }
}
