package io.bitnettt.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.bitnettt.gguf.GgufValue;
import io.bitnettt.gguf.GgufValueType;
import io.bitnettt.model.gguf.GgufEdit;
import io.bitnettt.model.gguf.GgufFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The LangChain4j builders take a GGUF file as {@code modelPath}, as they take a Hugging Face folder. */
class GgufModelPathTest {

    @Test
    void aGgufFileServesChatWhenItsVocabularyHasAnEndOfTurnToken(@TempDir Path dir) {
        // The fixture's vocabulary has no <|eot_id|>; naming its EOS as end of turn lets the template run.
        GgufEdit e = GgufEdit.of(GgufFixture.gguf("i2_s"));
        e.metadata.put("tokenizer.ggml.eot_token_id", new GgufValue(GgufValueType.UINT32, 511L));
        Path file = e.write(dir.resolve("ggml-model-i2_s.gguf"));
        try (BitNetChatModel chat = BitNetChatModel.builder().modelPath(file).backend("cpu").threads(2)
                .contextLength(128).temperature(0.0).maxOutputTokens(8).build()) {
            ChatResponse r = chat.chat(ChatRequest.builder().messages(UserMessage.from("The engine")).build());
            assertEquals("ggml-model-i2_s.gguf", r.modelName());
            assertTrue(r.tokenUsage().outputTokenCount() > 0);
        }
    }

    @Test
    void withoutAnEndOfTurnTokenChatFailsSayingWhyAndCompletionStillWorks() {
        try (BitNetChatModel chat = BitNetChatModel.builder().modelPath(GgufFixture.gguf("tq2_0")).backend("cpu")
                .threads(2).contextLength(128).temperature(0.0).maxOutputTokens(4).build()) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> chat.chat("Hello"));
            assertTrue(e.getMessage().contains("<|eot_id|>"), e.getMessage());
            var engine = chat.engine();
            var result = engine.complete("The engine reads the model",
                    io.bitnettt.generate.SamplingParameters.builder().temperature(0).maxNewTokens(4).build(),
                    s -> { }, () -> false);
            assertEquals(4, result.tokens().length);
        }
    }
}
