package io.bitnettt.model.gguf;

import io.bitnettt.gguf.GgufFile;
import io.bitnettt.gguf.GgufMetadata;
import io.bitnettt.gguf.GgufTensorInfo;
import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.QuantizationConfig;

import java.util.List;

/**
 * The {@link ModelConfig} of a BitNet GGUF file, from its metadata. Hyper-parameters sit under the
 * prefix of the architecture the file names: {@code bitnet.block_count}, or
 * {@code bitnet-b1.58.block_count} in Microsoft's current 2B-4T upload.
 *
 * <p>Only keys that change the computation are read, and none of them is defaulted when a default
 * could silently change the result: a missing {@code rope.freq_base} fails instead of becoming
 * llama.cpp's 10000. {@code general.file_type} is not trusted (the first 2B-4T upload says 137,
 * which is no llama.cpp file type); the tensor types decide.
 */
public final class GgufModelConfig {

    /**
     * Architecture strings of BitNet b1.58 files: {@code bitnet} (llama.cpp and the bitnet.cpp fork),
     * {@code bitnet-25} (Microsoft's first 2B-4T upload) and {@code bitnet-b1.58} (its re-upload).
     */
    public static final List<String> ARCHITECTURES = List.of("bitnet", "bitnet-25", "bitnet-b1.58");
    public static final String ARCHITECTURE_KEY = "general.architecture";

    private static final long MAX_DIM = Integer.MAX_VALUE;

    private GgufModelConfig() {
    }

    /** The architecture string, checked to be a BitNet one. */
    public static String architecture(GgufFile file) {
        String arch = file.metadata().requireString(ARCHITECTURE_KEY);
        if (!ARCHITECTURES.contains(arch)) {
            throw new CheckpointException(file.fileName(), ARCHITECTURE_KEY, "expected one of " + quoted(ARCHITECTURES)
                    + " (BitNet b1.58), found \"" + arch + "\"");
        }
        return arch;
    }

    /** The config of the GGUF file at {@code path}, reading only its header. */
    public static ModelConfig read(java.nio.file.Path path) {
        try (GgufFile file = GgufFile.open(path)) {
            return read(file);
        }
    }

    /** Reads and validates the config; the tensors are checked against it by the loader. */
    public static ModelConfig read(GgufFile file) {
        GgufMetadata m = file.metadata();
        String arch = architecture(file);
        String p = arch + ".";
        int hidden = dim(m, p + "embedding_length");
        int heads = dim(m, p + "attention.head_count");
        int kvHeads = (int) m.integer(p + "attention.head_count_kv", 1, MAX_DIM).orElse(heads);
        int layers = dim(m, p + "block_count");
        int ffn = dim(m, p + "feed_forward_length");
        int context = dim(m, p + "context_length");
        if (hidden % heads != 0) {
            throw new CheckpointException(file.fileName(), p + "attention.head_count", "expected a divisor of "
                    + p + "embedding_length (" + hidden + "), found " + heads);
        }
        int headDim = hidden / heads;
        // The engine rotates whole heads (rotate-half over head_dim) and has no separate K/V widths.
        sameAsHeadDim(file, p + "rope.dimension_count", headDim, "partial rotary embeddings are not supported");
        sameAsHeadDim(file, p + "attention.key_length", headDim, "keys must be head_dim wide");
        sameAsHeadDim(file, p + "attention.value_length", headDim, "values must be head_dim wide");
        double eps = m.requireReal(p + "attention.layer_norm_rms_epsilon");
        double theta = m.requireReal(p + "rope.freq_base");
        int vocab = vocabSize(file, p);
        int bos = (int) m.requireInteger("tokenizer.ggml.bos_token_id", 0, vocab - 1L);
        int eos = (int) m.requireInteger("tokenizer.ggml.eos_token_id", 0, vocab - 1L);
        boolean tied = !file.contains(GgufTensorNames.OUTPUT);
        ModelConfig config = new ModelConfig(List.of(ModelConfig.ARCHITECTURE), vocab, hidden, ffn, layers, heads,
                kvHeads, headDim, context, eps, theta, tied, bos, List.of(eos), "relu2", QuantizationConfig.PACKED,
                null);
        try {
            return config.validate(file.fileName());
        } catch (CheckpointException e) {
            // validate() names config.json fields; point at the GGUF key instead.
            String prefix = e.file() + ": " + e.subject() + ": ";
            String problem = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
            throw new CheckpointException(file.fileName(), ggufKey(p, e.subject()), problem, e);
        }
    }

    /**
     * {@code <arch>.vocab_size} when present, else the length of {@code tokenizer.ggml.tokens}, else
     * the embedding's row count (llama.cpp's order of preference).
     */
    private static int vocabSize(GgufFile file, String p) {
        GgufMetadata m = file.metadata();
        if (m.contains(p + "vocab_size")) {
            return dim(m, p + "vocab_size");
        }
        if (m.contains("tokenizer.ggml.tokens")) {
            long n = m.array("tokenizer.ggml.tokens", null).orElseThrow().count();
            if (n < 1 || n > MAX_DIM) {
                throw new CheckpointException(file.fileName(), "tokenizer.ggml.tokens", "expected 1 to " + MAX_DIM
                        + " tokens, found " + n);
            }
            return (int) n;
        }
        GgufTensorInfo emb = file.tensor(GgufTensorNames.EMBEDDING);
        if (emb == null || emb.rank() != 2 || emb.ne(1) > MAX_DIM) {
            throw new CheckpointException(file.fileName(), p + "vocab_size",
                    "missing, and neither tokenizer.ggml.tokens nor a 2-D token_embd.weight gives the vocabulary size");
        }
        return (int) emb.ne(1);
    }

    private static int dim(GgufMetadata m, String key) {
        return (int) m.requireInteger(key, 1, MAX_DIM);
    }

    private static void sameAsHeadDim(GgufFile file, String key, int headDim, String why) {
        file.metadata().integer(key, 1, MAX_DIM).ifPresent(n -> {
            if (n != headDim) {
                throw new CheckpointException(file.fileName(), key, "expected " + headDim
                        + " (embedding_length / attention.head_count), found " + n + ": " + why);
            }
        });
    }

    private static String ggufKey(String p, String configField) {
        return switch (configField) {
            case "vocab_size" -> p + "vocab_size";
            case "hidden_size" -> p + "embedding_length";
            case "intermediate_size" -> p + "feed_forward_length";
            case "num_hidden_layers" -> p + "block_count";
            case "num_attention_heads", "head_dim" -> p + "attention.head_count";
            case "num_key_value_heads" -> p + "attention.head_count_kv";
            case "max_position_embeddings" -> p + "context_length";
            case "rms_norm_eps" -> p + "attention.layer_norm_rms_epsilon";
            case "rope_theta" -> p + "rope.freq_base";
            case "bos_token_id" -> "tokenizer.ggml.bos_token_id";
            case "eos_token_id" -> "tokenizer.ggml.eos_token_id";
            default -> configField;
        };
    }

    private static String quoted(List<String> names) {
        return String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList());
    }
}
