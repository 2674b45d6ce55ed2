package io.bitnettt.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a Hugging Face tokenizer.json (and optionally tokenizer_config.json) into a
 * {@link BpeTokenizer}. Only what byte-level BPE vocabularies such as Llama 3's use is accepted;
 * any other component (a normalizer, byte fallback, a non-ByteLevel decoder, ...) fails with a
 * message naming the file and field, because silently ignoring it would produce wrong ids.
 */
final class TokenizerJsonLoader {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int DEFAULT_CACHE_CAPACITY = 10_000;

    private TokenizerJsonLoader() {
    }

    static BpeTokenizer load(Path tokenizerJson, Path tokenizerConfig, int cacheCapacity) {
        String src = tokenizerJson.toString();
        JsonNode root = read(tokenizerJson);
        JsonNode config = tokenizerConfig == null ? null : read(tokenizerConfig);

        if (!isAbsent(root.get("normalizer"))) {
            throw unsupported(src, "normalizer", root.get("normalizer"));
        }
        JsonNode model = root.get("model");
        if (isAbsent(model) || !model.isObject()) {
            throw new TokenizerException(src + ": field 'model' is missing");
        }
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw new TokenizerException(src + ": model.type is '" + type + "'; only 'BPE' is supported");
        }
        rejectIfSet(src, model, "byte_fallback");
        rejectIfSet(src, model, "continuing_subword_prefix");
        rejectIfSet(src, model, "end_of_word_suffix");
        if (model.hasNonNull("dropout") && model.get("dropout").asDouble() != 0.0) {
            throw unsupported(src, "model.dropout", model.get("dropout"));
        }

        Map<String, Integer> vocab = readVocab(src, model.get("vocab"));
        MergeTable merges = readMerges(src, model.get("merges"), vocab);
        List<AddedToken> added = readAddedTokens(src, root.get("added_tokens"));
        PreTokenizer preTokenizer = readPreTokenizer(src, root.get("pre_tokenizer"));
        checkDecoder(src, root.get("decoder"));

        BpeModel bpe = new BpeModel(vocab, merges, model.path("ignore_merges").asBoolean(false), cacheCapacity, src);
        SpecialTokenConfig specials = SpecialTokenConfig.read(
                tokenizerConfig == null ? null : tokenizerConfig.toString(), config, added, vocab);
        return new BpeTokenizer(vocab, added, bpe, preTokenizer, specials);
    }

    private static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new TokenizerException(file + ": file not found");
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new TokenizerException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private static boolean isAbsent(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode();
    }

    private static void rejectIfSet(String src, JsonNode model, String field) {
        JsonNode v = model.get(field);
        if (isAbsent(v) || (v.isBoolean() && !v.asBoolean()) || (v.isTextual() && v.asText().isEmpty())) {
            return;
        }
        throw unsupported(src, "model." + field, v);
    }

    private static TokenizerException unsupported(String src, String field, JsonNode value) {
        String shown = value.toString();
        if (shown.length() > 200) {
            shown = shown.substring(0, 200) + "...";
        }
        return new TokenizerException(src + ": field '" + field + "' = " + shown + " is not supported by this byte-level BPE tokenizer");
    }

    private static Map<String, Integer> readVocab(String src, JsonNode node) {
        if (isAbsent(node) || !node.isObject()) {
            throw new TokenizerException(src + ": field 'model.vocab' is missing or not an object");
        }
        Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new TokenizerException(src + ": model.vocab['" + e.getKey() + "'] is not a non-negative integer id");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        return vocab;
    }

    private static MergeTable readMerges(String src, JsonNode node, Map<String, Integer> vocab) {
        if (isAbsent(node) || !node.isArray()) {
            throw new TokenizerException(src + ": field 'model.merges' is missing or not an array");
        }
        MergeTable table = new MergeTable(node.size());
        for (int rank = 0; rank < node.size(); rank++) {
            JsonNode m = node.get(rank);
            String left;
            String right;
            if (m.isTextual()) {
                // Old format "a b": byte-level tokens never contain a real space (it is mapped to 'Ġ').
                String s = m.asText();
                int sp = s.indexOf(' ');
                if (sp < 0 || s.indexOf(' ', sp + 1) >= 0) {
                    throw new TokenizerException(src + ": model.merges[" + rank + "] = \"" + s + "\" is not of the form \"left right\"");
                }
                left = s.substring(0, sp);
                right = s.substring(sp + 1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                left = m.get(0).asText();
                right = m.get(1).asText();
            } else {
                throw new TokenizerException(src + ": model.merges[" + rank + "] = " + m + " is neither \"left right\" nor [left, right]");
            }
            Integer l = vocab.get(left);
            Integer r = vocab.get(right);
            Integer merged = vocab.get(left + right);
            if (l == null || r == null || merged == null) {
                String missing = l == null ? left : r == null ? right : left + right;
                throw new TokenizerException(src + ": model.merges[" + rank + "] uses '" + missing + "', which is not in model.vocab");
            }
            table.putIfAbsent(l, r, rank, merged);
        }
        return table;
    }

    private static List<AddedToken> readAddedTokens(String src, JsonNode node) {
        List<AddedToken> out = new ArrayList<>();
        if (isAbsent(node)) {
            return out;
        }
        if (!node.isArray()) {
            throw new TokenizerException(src + ": field 'added_tokens' is not an array");
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode t = node.get(i);
            if (!t.path("id").canConvertToInt() || !t.path("content").isTextual()) {
                throw new TokenizerException(src + ": added_tokens[" + i + "] needs an integer 'id' and a string 'content'");
            }
            out.add(new AddedToken(t.get("id").asInt(), t.get("content").asText(), t.path("special").asBoolean(false),
                    t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false), t.path("single_word").asBoolean(false)));
        }
        return out;
    }

    private static PreTokenizer readPreTokenizer(String src, JsonNode node) {
        List<SplitPattern> steps = new ArrayList<>();
        boolean byteLevel = addPreTokenizerSteps(src, node, "pre_tokenizer", steps);
        if (!byteLevel) {
            throw new TokenizerException(src + ": field 'pre_tokenizer' has no ByteLevel step; only byte-level BPE is supported");
        }
        return new PreTokenizer(steps);
    }

    /** Returns whether a ByteLevel step was seen. */
    private static boolean addPreTokenizerSteps(String src, JsonNode node, String field, List<SplitPattern> steps) {
        if (isAbsent(node)) {
            return false;
        }
        String type = node.path("type").asText("");
        switch (type) {
            case "Sequence" -> {
                JsonNode children = node.get("pretokenizers");
                if (children == null || !children.isArray()) {
                    throw new TokenizerException(src + ": field '" + field + ".pretokenizers' is missing");
                }
                boolean byteLevel = false;
                for (int i = 0; i < children.size(); i++) {
                    byteLevel |= addPreTokenizerSteps(src, children.get(i), field + ".pretokenizers[" + i + "]", steps);
                }
                return byteLevel;
            }
            case "Split" -> {
                steps.add(readSplit(src, node, field));
                return false;
            }
            case "ByteLevel" -> {
                if (node.path("add_prefix_space").asBoolean(false)) {
                    throw unsupported(src, field + ".add_prefix_space", node.get("add_prefix_space"));
                }
                // The Rust crate defaults use_regex to true.
                if (node.path("use_regex").asBoolean(true)) {
                    steps.add(new SplitPattern(OnigurumaPattern.compile(SplitPattern.GPT2_REGEX, src + ": " + field),
                            SplitPattern.Behavior.ISOLATED));
                }
                return true;
            }
            default -> throw unsupported(src, field, node);
        }
    }

    private static SplitPattern readSplit(String src, JsonNode node, String field) {
        if (node.path("invert").asBoolean(false)) {
            throw unsupported(src, field + ".invert", node.get("invert"));
        }
        JsonNode pattern = node.path("pattern");
        Pattern compiled;
        if (pattern.path("Regex").isTextual()) {
            compiled = OnigurumaPattern.compile(pattern.get("Regex").asText(), src + ": " + field + ".pattern.Regex");
        } else if (pattern.path("String").isTextual()) {
            compiled = Pattern.compile(Pattern.quote(pattern.get("String").asText()));
        } else {
            throw new TokenizerException(src + ": field '" + field + ".pattern' needs a 'Regex' or 'String'");
        }
        String behavior = node.path("behavior").asText("");
        return switch (behavior) {
            case "Isolated" -> new SplitPattern(compiled, SplitPattern.Behavior.ISOLATED);
            case "Removed" -> new SplitPattern(compiled, SplitPattern.Behavior.REMOVED);
            default -> throw unsupported(src, field + ".behavior", node.path("behavior"));
        };
    }

    private static void checkDecoder(String src, JsonNode node) {
        if (isAbsent(node)) {
            throw new TokenizerException(src + ": field 'decoder' is missing; a ByteLevel decoder is required");
        }
        if (!node.path("type").asText("").equals("ByteLevel")) {
            throw unsupported(src, "decoder", node);
        }
    }
}
