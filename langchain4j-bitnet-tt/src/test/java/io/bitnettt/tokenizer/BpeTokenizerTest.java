package io.bitnettt.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Behaviour of the Llama 3 tokenizer beyond reference equality: pins, BOS, errors, scaling. */
class BpeTokenizerTest {
    private final BpeTokenizer tok = Llama3Tokenizer.get();

    @Test
    void transformersPinnedIds() {
        // huggingface/transformers tests/models/bitnet/test_modeling_bitnet.py feeds these after BOS.
        int[] expected = {1502, 25, 2650, 527, 499, 30, 128009, 72803, 25, 220};
        assertArrayEquals(expected, tok.encode("User: How are you?<|eot_id|>Assistant: ", true));
    }

    @Test
    void vocabularyShape() {
        assertEquals(128256, tok.vocabSize());
        assertEquals(128000, tok.bosId());
        assertEquals(128001, tok.eosId());
        assertEquals(128009, tok.eotId());
        assertArrayEquals(new int[] {128009, 128001}, tok.stopTokenIds());
        assertTrue(tok.isStopToken(128009) && tok.isStopToken(128001) && !tok.isStopToken(128000));
        assertTrue(tok.isSpecial(128006) && !tok.isSpecial(1502));
        assertEquals(128007, tok.tokenId("<|end_header_id|>").getAsInt());
        assertEquals(9906, tok.tokenId("Hello").getAsInt());
        assertTrue(tok.addBos());
    }

    @Test
    void preTokenizerRegexIsReadFromTokenizerJson() {
        assertEquals(1, tok.preTokenizerRegexes().size());
        assertTrue(tok.preTokenizerRegexes().getFirst().startsWith("(?i:'s|'t|'re|'ve|'m|'ll|'d)|"));
    }

    @Test
    void bosIsPrependedOnce() {
        assertArrayEquals(new int[] {128000, 9906, 4435}, tok.encodeWithBos("Hello World", false));
        assertArrayEquals(new int[] {128000, 9906}, tok.encodeWithBos("<|begin_of_text|>Hello", true));
        assertArrayEquals(new int[] {128000}, tok.encodeWithBos("", false));
        // As plain text the BOS string is just characters, so the real BOS still comes first.
        int[] plain = tok.encodeWithBos("<|begin_of_text|>", false);
        assertEquals(128000, plain[0]);
        assertFalse(plain.length > 1 && plain[1] == 128000);
    }

    @Test
    void specialStringsAreTextUnlessAllowed() {
        int[] plain = tok.encode("<|eot_id|>", false);
        for (int id : plain) {
            assertTrue(id < 128000, "no special id expected in " + java.util.Arrays.toString(plain));
        }
        assertEquals("<|eot_id|>", tok.decode(plain));
        assertArrayEquals(new int[] {128009}, tok.encode("<|eot_id|>", true));
        assertEquals(tok.encode("<|eot_id|>", false).length, tok.countTokens("<|eot_id|>"));
    }

    @Test
    void decodeSkippingSpecialTokens() {
        int[] ids = tok.encodeWithBos("Hi<|eot_id|>", true);
        assertEquals("<|begin_of_text|>Hi<|eot_id|>", tok.decode(ids));
        assertEquals("Hi", tok.decode(ids, true));
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        TokenizerException e = assertThrows(TokenizerException.class, () -> tok.decode(new int[] {9906, 128256}));
        assertTrue(e.getMessage().contains("128256") && e.getMessage().contains("vocab size 128256"), e.getMessage());
        e = assertThrows(TokenizerException.class, () -> tok.decode(new int[] {-1}));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertThrows(TokenizerException.class, () -> tok.streamingDecoder().push(200000));
    }

    @Test
    void unpairedSurrogatesAreRejected() {
        TokenizerException hi = assertThrows(TokenizerException.class, () -> tok.encode("ab\uD83D", false));
        assertTrue(hi.getMessage().contains("U+D83D") && hi.getMessage().contains("index 2")
                && hi.getMessage().contains("expected"), hi.getMessage());
        TokenizerException lo = assertThrows(TokenizerException.class, () -> tok.encode("\uDE00x", true));
        assertTrue(lo.getMessage().contains("U+DE00"), lo.getMessage());
        assertThrows(TokenizerException.class, () -> tok.encode("\uDE00\uD83D", false));
    }

    @Test
    void longWordsMergeInNearLinearTime() {
        // 200k merges in one piece: a rescan-per-merge loop would need ~10^10 steps.
        StringBuilder sb = new StringBuilder();
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 200_000; i++) {
            sb.append((char) ('a' + rnd.nextInt(26)));
        }
        String word = sb.toString();
        int[] ids = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> tok.encode(word, false));
        assertEquals(word, tok.decode(ids));
    }

    @Test
    void concurrentEncodingIsConsistent() throws Exception {
        String text = String.join(" ", TokenizerCorpus.handWritten());
        int[] expected = tok.encode(text, true);
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<int[]>>();
            for (int i = 0; i < 32; i++) {
                futures.add(pool.submit(() -> tok.encode(text, true)));
            }
            for (var f : futures) {
                assertArrayEquals(expected, f.get());
            }
        }
    }
}
