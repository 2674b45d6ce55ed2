package io.bitnettt.tokenizer;

import java.util.List;

/**
 * The tokenizer a GGUF file carries in its {@code tokenizer.ggml.*} keys, as plain values; the
 * GGUF reader fills it in, {@link BpeTokenizer#fromGgml} builds the tokenizer from it.
 *
 * @param source          the file name, for messages
 * @param model           {@code tokenizer.ggml.model}: only {@code gpt2} (byte-level BPE) is supported
 * @param pre             {@code tokenizer.ggml.pre}, or null when the file has none
 * @param tokens          {@code tokenizer.ggml.tokens}, the token strings by id, in byte-level spelling
 * @param tokenTypes      {@code tokenizer.ggml.token_type} (1 normal, 2 unknown, 3 control, 4 user
 *                        defined, 5 unused, 6 byte), or null when absent (all normal)
 * @param merges          {@code tokenizer.ggml.merges}, "left right" by rank
 * @param bosId           {@code tokenizer.ggml.bos_token_id}
 * @param eosId           {@code tokenizer.ggml.eos_token_id}
 * @param eotId           {@code tokenizer.ggml.eot_token_id}, or -1 to look up {@code <|eot_id|>} by name
 * @param addBos          {@code tokenizer.ggml.add_bos_token} (true when absent, as for Llama 3)
 * @param hasChatTemplate whether {@code tokenizer.chat_template} is present
 */
public record GgmlVocabulary(String source, String model, String pre, List<String> tokens, int[] tokenTypes,
                             List<String> merges, int bosId, int eosId, int eotId, boolean addBos,
                             boolean hasChatTemplate) {

    public static final int NORMAL = 1;
    public static final int UNKNOWN = 2;
    public static final int CONTROL = 3;
    public static final int USER_DEFINED = 4;
    public static final int UNUSED = 5;
    public static final int BYTE = 6;

    public GgmlVocabulary {
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
        tokenTypes = tokenTypes == null ? null : tokenTypes.clone();
    }
}
