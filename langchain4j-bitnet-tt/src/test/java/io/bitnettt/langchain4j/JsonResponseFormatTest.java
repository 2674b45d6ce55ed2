package io.bitnettt.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import io.bitnettt.generate.json.IndependentValidator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * JSON response formats on the demo model, whose random weights never write JSON on their own:
 * every answer for twenty schemas, five seeds, greedy and sampled, is a whole document that the
 * independent validator accepts, ended by the end-of-turn token.
 */
class JsonResponseFormatTest {
    static final List<String> PROMPTS = List.of("Describe it as JSON.", "What is a ternary weight?",
            "Give me the data.", "Fill in the fields, please.", "Answer in the requested format.");
    /** Enough for the longest shortest document (personWithAddress, 59 bytes) and its end token. */
    static final int BUDGET = 64;
    static BitNetChatModel greedy;

    @BeforeAll
    static void load() {
        // One thread: the demo model is too small to gain from two, and the test runs on busy machines.
        greedy = DemoChat.greedy().threads(1).maxOutputTokens(BUDGET).build();
    }

    @AfterAll
    static void close() {
        greedy.close();
    }

    static ChatRequest request(String prompt, JsonSchema schema) {
        return ChatRequest.builder().messages(UserMessage.from(prompt))
                .responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(schema).build())
                .build();
    }

    @Test
    void everyAnswerForTwentySchemasFiveSeedsGreedyAndSampledIsAValidDocument() {
        List<JsonSchema> schemas = DemoSchemas.all();
        assertEquals(20, schemas.size());
        List<String> failures = new ArrayList<>();
        int answers = 0;
        for (int seed = 0; seed < 5; seed++) {
            try (BitNetChatModel sampled = BitNetChatModel.builder().model(greedy.engine()).modelName("bitnet-demo")
                    .temperature(1.0).seed((long) seed).maxOutputTokens(BUDGET).build()) {
                for (JsonSchema schema : schemas) {
                    IndependentValidator validator = IndependentValidator.of(DemoSchemas.jsonSchemaText(schema));
                    for (BitNetChatModel model : List.of(greedy, sampled)) {
                        ChatResponse r = model.chat(request(PROMPTS.get(seed), schema));
                        answers++;
                        String text = r.aiMessage().text();
                        List<String> problems = validator.problems(text);
                        if (!problems.isEmpty() || r.finishReason() != FinishReason.STOP) {
                            failures.add(schema.name() + " seed " + seed + (model == greedy ? " greedy" : " sampled")
                                    + ": " + text + " " + r.finishReason() + " " + problems);
                        }
                    }
                }
            }
        }
        assertEquals(200, answers);
        assertEquals(List.of(), failures);
    }
}
