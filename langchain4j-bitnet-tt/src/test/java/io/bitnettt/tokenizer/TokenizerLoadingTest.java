package io.bitnettt.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading from small synthetic tokenizer.json files: both merge formats and the error messages. */
class TokenizerLoadingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** All 256 byte tokens, then "he", "ll", "hell", "hello", and BOS/EOS/eot as special tokens. */
    private ObjectNode tinyTokenizer(boolean pairMerges) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevelAlphabet.charOf(b)), b);
        }
        String[][] merges = {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}};
        ArrayNode m = model.putArray("merges");
        int next = 256;
        for (String[] pair : merges) {
            vocab.put(pair[0] + pair[1], next++);
            if (pairMerges) {
                m.addArray().add(pair[0]).add(pair[1]);
            } else {
                m.add(pair[0] + " " + pair[1]);
            }
        }
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"};
        for (int i = 0; i < specials.length; i++) {
            added.addObject().put("id", 300 + i).put("content", specials[i]).put("special", true);
        }
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        steps.addObject().put("type", "Split").put("behavior", "Isolated").put("invert", false)
                .putObject("pattern").put("Regex", " ?\\p{L}+|\\s+|[^\\s\\p{L}]+");
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", false);
        root.putObject("decoder").put("type", "ByteLevel");
        root.putNull("normalizer");
        return root;
    }

    private Path write(ObjectNode root) throws Exception {
        Path p = dir.resolve("tokenizer.json");
        JSON.writeValue(p.toFile(), root);
        return p;
    }

    @Test
    void bothMergeFormatsGiveTheSameIds() throws Exception {
        BpeTokenizer strings = BpeTokenizer.load(write(tinyTokenizer(false)));
        BpeTokenizer pairs = BpeTokenizer.load(write(tinyTokenizer(true)));
        assertArrayEquals(new int[] {259}, strings.encode("hello", false));
        assertArrayEquals(new int[] {258, 300}, pairs.encode("hell<|begin_of_text|>", true));
        assertArrayEquals(strings.encode("hello hell<|begin_of_text|>", true), pairs.encode("hello hell<|begin_of_text|>", true));
        assertEquals(303, strings.vocabSize());
        assertEquals(300, strings.bosId());
    }

    @Test
    void readsBosAndAddBosFromTokenizerConfig() throws Exception {
        Path json = write(tinyTokenizer(true));
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": {\"content\": \"<|end_of_text|>\"}, \"eos_token\": \"<|eot_id|>\", \"add_bos_token\": false, \"chat_template\": \"x\"}");
        BpeTokenizer t = BpeTokenizer.load(json);
        assertEquals(301, t.bosId());
        assertEquals(302, t.eosId());
        assertEquals(false, t.addBos());
        assertEquals(true, t.hasChatTemplate());
        assertArrayEquals(new int[] {302}, t.stopTokenIds());
    }

    @Test
    void missingModelVocabOrMergesNameTheFileAndField() throws Exception {
        ObjectNode noModel = tinyTokenizer(true);
        noModel.remove("model");
        assertMessage(noModel, "field 'model' is missing");

        ObjectNode noVocab = tinyTokenizer(true);
        ((ObjectNode) noVocab.get("model")).remove("vocab");
        assertMessage(noVocab, "field 'model.vocab' is missing");

        ObjectNode noMerges = tinyTokenizer(true);
        ((ObjectNode) noMerges.get("model")).remove("merges");
        assertMessage(noMerges, "field 'model.merges' is missing");

        ObjectNode badMerge = tinyTokenizer(false);
        ((ArrayNode) badMerge.get("model").get("merges")).add("x q");
        assertMessage(badMerge, "model.merges[4] uses 'xq'");

        ObjectNode normalizer = tinyTokenizer(true);
        normalizer.putObject("normalizer").put("type", "NFC");
        assertMessage(normalizer, "field 'normalizer'");
    }

    @Test
    void missingFilesAndBadJsonFailClearly() throws Exception {
        Path missing = dir.resolve("nope/tokenizer.json");
        TokenizerException e = assertThrows(TokenizerException.class, () -> BpeTokenizer.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("not found"), e.getMessage());
        Path broken = dir.resolve("tokenizer.json");
        Files.writeString(broken, "{ not json");
        e = assertThrows(TokenizerException.class, () -> BpeTokenizer.load(broken));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    private void assertMessage(ObjectNode root, String expected) throws Exception {
        Path p = write(root);
        TokenizerException e = assertThrows(TokenizerException.class, () -> BpeTokenizer.load(p));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains(expected), e.getMessage());
    }
}
