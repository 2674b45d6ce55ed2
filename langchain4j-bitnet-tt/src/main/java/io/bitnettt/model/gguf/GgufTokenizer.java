package io.bitnettt.model.gguf;

import io.bitnettt.gguf.GgufFile;
import io.bitnettt.gguf.GgufMetadata;
import io.bitnettt.model.CheckpointException;
import io.bitnettt.tokenizer.BpeTokenizer;
import io.bitnettt.tokenizer.GgmlVocabulary;
import io.bitnettt.tokenizer.TokenizerException;

import java.util.List;

/**
 * The tokenizer of a GGUF file ({@code tokenizer.ggml.*}), built into the same {@link BpeTokenizer}
 * that tokenizer.json gives. {@code tokenizer.ggml.scores} (which Microsoft's first 2B-4T upload
 * carries) is ignored: byte-level BPE ranks merges, not tokens. The chat template stays the
 * project's BitNet one whatever {@code tokenizer.chat_template} says.
 */
public final class GgufTokenizer {

    private static final String P = "tokenizer.ggml.";

    private GgufTokenizer() {
    }

    /** @throws CheckpointException naming the file and key for anything wrong with the tokenizer keys */
    public static BpeTokenizer read(GgufFile file) {
        GgufMetadata m = file.metadata();
        String model = m.requireString(P + "model");
        List<String> tokens = m.requireStrings(P + "tokens");
        int n = tokens.size();
        if (n == 0) {
            throw new CheckpointException(file.fileName(), P + "tokens", "expected at least one token, found none");
        }
        int[] types = m.integers(P + "token_type", Integer.MIN_VALUE, Integer.MAX_VALUE).orElse(null);
        List<String> merges = m.array(P + "merges", io.bitnettt.gguf.GgufValueType.STRING)
                .map(a -> a.strings()).orElse(List.of());
        int bos = (int) m.requireInteger(P + "bos_token_id", 0, n - 1L);
        int eos = (int) m.requireInteger(P + "eos_token_id", 0, n - 1L);
        int eot = (int) m.integer(P + "eot_token_id", 0, n - 1L).orElse(-1);
        boolean addBos = m.bool(P + "add_bos_token").orElse(true);
        GgmlVocabulary v = new GgmlVocabulary(file.fileName(), model, m.string(P + "pre").orElse(null), tokens, types,
                merges, bos, eos, eot, addBos, m.contains("tokenizer.chat_template"));
        try {
            return BpeTokenizer.fromGgml(v);
        } catch (TokenizerException e) {
            // The tokenizer names the key in its message; the exception type is the loader's one.
            String message = e.getMessage();
            String prefix = file.fileName() + ": ";
            throw new CheckpointException(file.fileName(), "tokenizer",
                    message.startsWith(prefix) ? message.substring(prefix.length()) : message, e);
        }
    }
}
