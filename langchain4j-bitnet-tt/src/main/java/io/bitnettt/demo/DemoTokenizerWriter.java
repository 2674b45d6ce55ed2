package io.bitnettt.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bitnettt.tokenizer.ByteLevelAlphabet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a small tokenizer.json in the Llama 3 format (byte-level BPE, the Llama 3 split regex,
 * Llama 3 special-token names) whose merges are learned deterministically from a built-in text, so
 * the demo model runs with no download. Ids: 256 byte tokens, then merges, then special tokens.
 */
public final class DemoTokenizerWriter {
    static final String SPLIT_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final List<String> SPECIALS = List.of("<|begin_of_text|>", "<|end_of_text|>",
            "<|reserved_special_token_0|>", "<|reserved_special_token_1|>", "<|start_header_id|>",
            "<|end_header_id|>", "<|reserved_special_token_2|>", "<|eot_id|>");
    private static final String CORPUS = """
            BitNet b1.58 stores every weight of its linear layers as one of three values: minus one, zero or \
            plus one. The activations are quantized to eight bits per token, so the matrix products become \
            additions and subtractions of small integers. This makes the model small and fast on the CPU, \
            and a good fit for accelerators that move less memory per token. The engine reads the model \
            from a folder, loads the tokenizer, and then generates text one token at a time, reusing the \
            keys and values it has already computed for the earlier tokens of the conversation.""";

    private DemoTokenizerWriter() {
    }

    /** The id of the first special token: everything below is byte tokens and merges. */
    public static int firstSpecialId(int vocabSize) {
        return vocabSize - SPECIALS.size();
    }

    /** Writes tokenizer.json and tokenizer_config.json for a vocabulary of exactly {@code vocabSize} ids. */
    public static void write(Path dir, int vocabSize) throws IOException {
        int merges = firstSpecialId(vocabSize) - 256;
        if (merges < 0) {
            throw new IllegalArgumentException("vocabSize " + vocabSize + " leaves no room for 256 byte tokens and "
                    + SPECIALS.size() + " special tokens");
        }
        Map<String, Integer> vocab = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            String s = String.valueOf(ByteLevelAlphabet.charOf(b));
            vocab.put(s, b);
            order.add(s);
        }
        List<String[]> learned = learnMerges(merges);
        for (String[] m : learned) {
            String merged = m[0] + m[1];
            vocab.put(merged, order.size());
            order.add(merged);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        int first = firstSpecialId(vocabSize);
        for (int i = 0; i < SPECIALS.size(); i++) {
            added.addObject().put("id", first + i).put("content", SPECIALS.get(i)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode pres = pre.putArray("pretokenizers");
        ObjectNode split = pres.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", SPLIT_REGEX);
        split.put("behavior", "Isolated").put("invert", false);
        pres.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", false);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.putNull("unk_token");
        model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", true);
        ObjectNode v = model.putObject("vocab");
        for (String token : order) {
            v.put(token, vocab.get(token));
        }
        ArrayNode m = model.putArray("merges");
        for (String[] pair : learned) {
            m.addArray().add(pair[0]).add(pair[1]);
        }
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), root);

        ObjectNode config = json.createObjectNode();
        config.put("bos_token", SPECIALS.get(0));
        config.put("eos_token", SPECIALS.get(1));
        config.put("add_bos_token", true);
        config.put("model_max_length", 1024);
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
    }

    /** Classic BPE training over the corpus words; ties broken by pair text so the result is fixed. */
    static List<String[]> learnMerges(int count) {
        Map<List<String>, Integer> words = new HashMap<>();
        Matcher w = Pattern.compile(SPLIT_REGEX).matcher(CORPUS);
        while (w.find()) {
            List<String> symbols = new ArrayList<>();
            for (byte b : w.group().getBytes(StandardCharsets.UTF_8)) {
                symbols.add(String.valueOf(ByteLevelAlphabet.charOf(b & 0xFF)));
            }
            words.merge(symbols, 1, Integer::sum);
        }
        List<String[]> merges = new ArrayList<>();
        while (merges.size() < count) {
            TreeMap<String, Integer> pairs = new TreeMap<>();
            for (var e : words.entrySet()) {
                List<String> s = e.getKey();
                for (int i = 0; i + 1 < s.size(); i++) {
                    pairs.merge(s.get(i) + "\u0000" + s.get(i + 1), e.getValue(), Integer::sum);
                }
            }
            if (pairs.isEmpty()) {
                break;
            }
            String best = null;
            for (var e : pairs.entrySet()) {
                if (best == null || e.getValue() > pairs.get(best)) {
                    best = e.getKey();
                }
            }
            String[] pair = best.split("\u0000", 2);
            merges.add(pair);
            Map<List<String>, Integer> next = new HashMap<>();
            for (var e : words.entrySet()) {
                next.merge(mergePair(e.getKey(), pair), e.getValue(), Integer::sum);
            }
            words = next;
        }
        if (merges.size() < count) {
            throw new IllegalStateException("the demo corpus yields only " + merges.size() + " merges, " + count + " asked");
        }
        return merges;
    }

    private static List<String> mergePair(List<String> s, String[] pair) {
        List<String> out = new ArrayList<>(s.size());
        for (int i = 0; i < s.size(); i++) {
            if (i + 1 < s.size() && s.get(i).equals(pair[0]) && s.get(i + 1).equals(pair[1])) {
                out.add(pair[0] + pair[1]);
                i++;
            } else {
                out.add(s.get(i));
            }
        }
        return out;
    }
}
