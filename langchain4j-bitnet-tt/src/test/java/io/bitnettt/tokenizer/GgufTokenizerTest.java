package io.bitnettt.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.bitnettt.gguf.GgufFile;
import io.bitnettt.model.gguf.GgufFixture;
import io.bitnettt.model.gguf.GgufTokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tokenizer each fixture GGUF carries ({@code tokenizer.ggml.*}, written by the converter from
 * the HF tokenizer) is the tokenizer that tokenizer.json gives: the ids HF's tokenizers library
 * produced for the fixture's strings, the same ids as the JSON path on the whole tokenizer corpus,
 * and the same bytes, specials and flags for every id.
 */
class GgufTokenizerTest {

    @ParameterizedTest
    @ValueSource(strings = {"f16", "i2_s", "tq2_0", "tq1_0"})
    void equalsTheTokenizerJsonTokenizer(String kind) {
        BpeTokenizer json = BpeTokenizer.load(GgufFixture.hf().resolve("tokenizer.json"));
        BpeTokenizer gguf;
        try (GgufFile file = GgufFile.open(GgufFixture.gguf(kind))) {
            gguf = GgufTokenizer.read(file);
        }
        JsonNode expected = GgufFixture.expected().path("tokenizer");
        for (int i = 0; i < expected.path("texts").size(); i++) {
            String text = expected.path("texts").get(i).asText();
            int[] hf = GgufFixture.ints(expected.path("hf_ids_with_bos").get(i));
            assertArrayEquals(hf, gguf.encodeWithBos(text, false), kind + ": " + text);
            assertArrayEquals(hf, json.encodeWithBos(text, false), "json: " + text);
        }
        List<String> corpus = TokenizerCorpus.all();
        for (String text : corpus) {
            assertArrayEquals(json.encode(text, true), gguf.encode(text, true), kind + ": " + text);
            assertArrayEquals(json.encode(text, false), gguf.encode(text, false), kind + ": " + text);
        }
        assertEquals(json.vocabSize(), gguf.vocabSize());
        for (int id = 0; id < json.vocabSize(); id++) {
            assertArrayEquals(json.tokenBytes(id), gguf.tokenBytes(id), kind + " id " + id);
            assertEquals(json.isSpecial(id), gguf.isSpecial(id), kind + " id " + id);
        }
        assertEquals(json.bosId(), gguf.bosId());
        assertEquals(json.eosId(), gguf.eosId());
        assertEquals(json.eotId(), gguf.eotId());
        assertEquals(json.addBos(), gguf.addBos());
        assertArrayEquals(json.stopTokenIds(), gguf.stopTokenIds());
        assertEquals(json.preTokenizerRegexes(), gguf.preTokenizerRegexes());
        assertEquals(json.addedTokens(), gguf.addedTokens());
    }
}
