package io.bitnettt.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The special-token facts an engine needs: BOS, EOS, end-of-turn, whether BOS is prepended, and
 * whether the model ships a chat template. Read from tokenizer_config.json when given; otherwise the
 * Llama 3 names are assumed, which is what BitNet b1.58 uses.
 */
record SpecialTokenConfig(int bosId, int eosId, int eotId, boolean addBos, boolean hasChatTemplate) {
    static final String LLAMA3_BOS = "<|begin_of_text|>";
    static final String LLAMA3_EOS = "<|end_of_text|>";
    static final String LLAMA3_EOT = "<|eot_id|>";

    static SpecialTokenConfig read(String src, JsonNode config, List<AddedToken> added, Map<String, Integer> vocab) {
        String bos = LLAMA3_BOS;
        String eos = LLAMA3_EOS;
        // The BitNet spec: BOS is added at encode (GGUF add_bos_token = true) even when the key is absent.
        boolean addBos = true;
        boolean template = false;
        if (config != null) {
            bos = tokenName(config.get("bos_token"), bos);
            eos = tokenName(config.get("eos_token"), eos);
            addBos = config.path("add_bos_token").asBoolean(true);
            template = config.hasNonNull("chat_template");
        }
        String where = src == null ? "tokenizer.json added_tokens" : src;
        return new SpecialTokenConfig(idOf(bos, "bos_token", where, added, vocab), idOf(eos, "eos_token", where, added, vocab),
                idOrMinusOne(LLAMA3_EOT, added, vocab), addBos, template);
    }

    /** bos_token is either a plain string or an AddedToken object with a "content" field. */
    private static String tokenName(JsonNode node, String fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        return node.path("content").asText(fallback);
    }

    private static int idOf(String name, String field, String where, List<AddedToken> added, Map<String, Integer> vocab) {
        int id = idOrMinusOne(name, added, vocab);
        if (id < 0) {
            throw new TokenizerException(where + ": " + field + " '" + name + "' is not a token of the vocabulary");
        }
        return id;
    }

    private static int idOrMinusOne(String name, List<AddedToken> added, Map<String, Integer> vocab) {
        for (AddedToken t : added) {
            if (t.content().equals(name)) {
                return t.id();
            }
        }
        Integer id = vocab.get(name);
        return id == null ? -1 : id;
    }
}
