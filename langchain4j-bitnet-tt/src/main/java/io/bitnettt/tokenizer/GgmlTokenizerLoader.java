package io.bitnettt.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link BpeTokenizer} from a GGUF file's tokenizer: the same tokenizer the
 * tokenizer.json of the same model gives, id for id. Normal (and unknown, unused) tokens form the
 * BPE vocabulary; control tokens become special added tokens and user-defined ones plain added
 * tokens, which is how the Llama 3 tokenizer.json lists them.
 *
 * <p>The pre-tokenizer is named, not stored, in GGUF. Llama 3's ({@code llama-bpe}; llama.cpp also
 * accepts {@code llama3} and {@code llama-v3}) is the one BitNet b1.58 uses, and it is also taken
 * when the key is absent, as in Microsoft's 2B-4T files: llama.cpp falls back to a GPT-2 split
 * there, which does not match how the model was trained (BitNet issue reports of garbled output).
 */
final class GgmlTokenizerLoader {

    static final List<String> LLAMA3_PRE = List.of("llama-bpe", "llama3", "llama-v3");
    static final String LLAMA3_SPLIT_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private GgmlTokenizerLoader() {
    }

    static BpeTokenizer load(GgmlVocabulary v, int cacheCapacity) {
        String src = v.source();
        if (!"gpt2".equals(v.model())) {
            throw new TokenizerException(src + ": tokenizer.ggml.model is '" + v.model()
                    + "'; only 'gpt2' (byte-level BPE, as Llama 3 and BitNet b1.58 use) is supported");
        }
        if (v.pre() != null && !LLAMA3_PRE.contains(v.pre())) {
            throw new TokenizerException(src + ": tokenizer.ggml.pre is '" + v.pre() + "'; supported: "
                    + String.join(", ", LLAMA3_PRE) + " (the Llama 3 pre-tokenizer of BitNet b1.58), or none");
        }
        int n = v.tokens().size();
        if (v.tokenTypes() != null && v.tokenTypes().length != n) {
            throw new TokenizerException(src + ": tokenizer.ggml.token_type has " + v.tokenTypes().length
                    + " entries but tokenizer.ggml.tokens has " + n);
        }
        Map<String, Integer> vocab = new HashMap<>(n * 2);
        List<AddedToken> added = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            String token = v.tokens().get(id);
            int type = v.tokenTypes() == null ? GgmlVocabulary.NORMAL : v.tokenTypes()[id];
            switch (type) {
                // Last one wins for a repeated string, as in llama.cpp's token-to-id map.
                case GgmlVocabulary.NORMAL, GgmlVocabulary.UNKNOWN, GgmlVocabulary.UNUSED -> vocab.put(token, id);
                case GgmlVocabulary.CONTROL -> added.add(new AddedToken(id, token, true, false, false, false));
                case GgmlVocabulary.USER_DEFINED -> added.add(new AddedToken(id, token, false, false, false, false));
                case GgmlVocabulary.BYTE -> throw new TokenizerException(src + ": tokenizer.ggml.token_type[" + id
                        + "] is 6 (byte), which only SentencePiece vocabularies use, not gpt2");
                default -> throw new TokenizerException(src + ": tokenizer.ggml.token_type[" + id + "] is " + type
                        + ", expected 1 to 5 (normal, unknown, control, user defined, unused)");
            }
        }
        MergeTable merges = new MergeTable(v.merges().size());
        for (int rank = 0; rank < v.merges().size(); rank++) {
            String s = v.merges().get(rank);
            int sp = s.indexOf(' ');
            // Byte-level tokens never contain a real space (it is spelled 'Ġ'), so one space separates the pair.
            if (sp <= 0 || sp == s.length() - 1 || s.indexOf(' ', sp + 1) >= 0) {
                throw new TokenizerException(src + ": tokenizer.ggml.merges[" + rank + "] = \"" + shorten(s)
                        + "\" is not of the form \"left right\"");
            }
            String left = s.substring(0, sp);
            String right = s.substring(sp + 1);
            Integer l = vocab.get(left);
            Integer r = vocab.get(right);
            Integer merged = vocab.get(left + right);
            if (l == null || r == null || merged == null) {
                String missing = l == null ? left : r == null ? right : left + right;
                throw new TokenizerException(src + ": tokenizer.ggml.merges[" + rank + "] uses '" + shorten(missing)
                        + "', which is not a normal token of tokenizer.ggml.tokens");
            }
            merges.putIfAbsent(l, r, rank, merged);
        }
        checkId(src, "tokenizer.ggml.bos_token_id", v.bosId(), n);
        checkId(src, "tokenizer.ggml.eos_token_id", v.eosId(), n);
        int eot = v.eotId();
        if (eot >= 0) {
            checkId(src, "tokenizer.ggml.eot_token_id", eot, n);
        } else {
            eot = v.tokens().lastIndexOf(SpecialTokenConfig.LLAMA3_EOT);
        }
        BpeModel bpe = new BpeModel(vocab, merges, true, cacheCapacity, src + " tokenizer.ggml.tokens");
        PreTokenizer pre = new PreTokenizer(List.of(new SplitPattern(
                OnigurumaPattern.compile(LLAMA3_SPLIT_REGEX, src + ": tokenizer.ggml.pre"), SplitPattern.Behavior.ISOLATED)));
        SpecialTokenConfig specials = new SpecialTokenConfig(v.bosId(), v.eosId(), eot, v.addBos(), v.hasChatTemplate());
        return new BpeTokenizer(vocab, added, bpe, pre, specials);
    }

    private static void checkId(String src, String key, int id, int n) {
        if (id < 0 || id >= n) {
            throw new TokenizerException(src + ": " + key + " is " + id + ", expected a token id in [0, " + n + ")");
        }
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
