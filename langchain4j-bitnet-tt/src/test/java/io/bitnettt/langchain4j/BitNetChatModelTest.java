package io.bitnettt.langchain4j;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import io.bitnettt.engine.EngineStatistics;
import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.tokenizer.BpeTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.bitnettt.langchain4j.DemoChat.promptTokens;
import static org.junit.jupiter.api.Assertions.*;

/** {@link BitNetChatModel} over the demo model on the CPU backend, greedy unless a test says otherwise. */
class BitNetChatModelTest {
    static final RecordingListener listener = new RecordingListener();
    static BitNetChatModel chat;
    static BpeTokenizer tokenizer;

    @BeforeAll
    static void load() {
        chat = DemoChat.greedy().maxOutputTokens(16).listener(listener).build();
        tokenizer = chat.engine().tokenizer();
    }

    @AfterAll
    static void close() {
        chat.close();
    }

    @BeforeEach
    void clearListener() {
        listener.clear();
    }

    private static ChatRequest request(String user) {
        return ChatRequest.builder().messages(SystemMessage.from("Be brief."), UserMessage.from(user)).build();
    }

    @Test
    void chatWithAStringSendsOneUserTurnThroughTheTemplate() {
        String answer = chat.chat("What is a ternary weight?");
        assertEquals(1, listener.requests.size());
        assertEquals(List.of(UserMessage.from("What is a ternary weight?")),
                listener.requests.getFirst().chatRequest().messages());
        ChatResponse r = listener.responses.getFirst().chatResponse();
        assertEquals(answer, r.aiMessage().text());
        assertEquals(promptTokens(tokenizer, "User: What is a ternary weight?<|eot_id|>Assistant: "),
                r.tokenUsage().inputTokenCount());
    }

    @Test
    void aMultiTurnRequestAnswersWithUsageNameIdAndFinishReason() {
        ChatRequest request = ChatRequest.builder().messages(
                SystemMessage.from("Be brief."),
                UserMessage.from("What is BitNet?"),
                AiMessage.from("A model with ternary weights."),
                UserMessage.from("  And the activations?  ")).build();
        ChatResponse r = chat.chat(request);
        // Content is stripped, as the Jinja template's `| trim` does.
        assertEquals(promptTokens(tokenizer, "System: Be brief.<|eot_id|>User: What is BitNet?<|eot_id|>"
                        + "Assistant: A model with ternary weights.<|eot_id|>User: And the activations?<|eot_id|>"
                        + "Assistant: "),
                r.tokenUsage().inputTokenCount());
        assertEquals("bitnet-demo", r.modelName());
        assertTrue(r.id().startsWith("bitnet-"), r.id());
        assertNotEquals(r.id(), chat.chat(request).id());
        int out = r.tokenUsage().outputTokenCount();
        assertTrue(out >= 1 && out <= 16, "output tokens " + out);
        assertEquals(out == 16 ? FinishReason.LENGTH : FinishReason.STOP, r.finishReason());
        assertEquals(r.tokenUsage().inputTokenCount() + out, r.tokenUsage().totalTokenCount());
        var stats = ((BitNetChatResponseMetadata) r.metadata()).generationStats();
        assertEquals(r.tokenUsage().inputTokenCount(), stats.promptTokens());
    }

    @Test
    void hittingMaxOutputTokensFinishesWithLength() {
        // Greedy decoding of this prompt runs past 4 tokens without an end token (pinned by the 16-token run).
        ChatResponse full = chat.chat(request("Tell me about ternary weights"));
        assertEquals(FinishReason.LENGTH, full.finishReason());
        assertEquals(16, full.tokenUsage().outputTokenCount());

        ChatResponse four = chat.chat(request("Tell me about ternary weights").toBuilder().maxOutputTokens(4).build());
        assertEquals(FinishReason.LENGTH, four.finishReason());
        assertEquals(4, four.tokenUsage().outputTokenCount());
        assertTrue(full.aiMessage().text().startsWith(four.aiMessage().text()),
                four.aiMessage().text() + " | " + full.aiMessage().text());
    }

    @Test
    void aStopSequenceEndsTheAnswerJustBeforeIt() {
        String full = chat.chat(request("Tell me about ternary weights")).aiMessage().text();
        assertTrue(full.length() >= 8, "need a longer greedy answer to cut: '" + full + "'");
        String stop = full.substring(full.length() / 2, full.length() / 2 + 2);
        String expected = full.substring(0, full.indexOf(stop));

        ChatResponse r = chat.chat(request("Tell me about ternary weights").toBuilder()
                .stopSequences(List.of(stop)).build());
        assertEquals(expected, r.aiMessage().text());
        assertEquals(FinishReason.STOP, r.finishReason());
    }

    @Test
    void listenersHearOneRequestAndOneResponseWithSharedAttributes() {
        ChatResponse r = chat.chat(request("hello"));
        assertEquals(1, listener.requests.size());
        assertEquals(1, listener.responses.size());
        assertEquals(0, listener.errors.size());
        var response = listener.responses.getFirst();
        assertSame(r, response.chatResponse());
        assertEquals("request", response.attributes().get("seen"));
        // The listener sees the request with the model's defaults filled in.
        assertEquals(16, response.chatRequest().parameters().maxOutputTokens());
        assertEquals(0.0, response.chatRequest().parameters().temperature());
    }

    @Test
    void defaultRequestParametersAreCompleteAndRequestParametersOverrideThem() {
        ChatRequestParameters d = chat.defaultRequestParameters();
        assertEquals("bitnet-demo", d.modelName());
        assertEquals(0.0, d.temperature());
        assertEquals(16, d.maxOutputTokens());
        assertEquals(SamplingParameters.DEFAULT_TOP_P, d.topP());
        assertEquals(SamplingParameters.DEFAULT_TOP_K, d.topK());
        assertEquals(0.0, d.frequencyPenalty());
        assertEquals(0.0, d.presencePenalty());
        assertEquals(List.of(), d.stopSequences());

        ChatResponse two = chat.chat(request("Tell me about ternary weights").toBuilder().maxOutputTokens(2).build());
        assertEquals(2, two.tokenUsage().outputTokenCount());
    }

    @Test
    void aSeededSampledAnswerRepeatsAndPenaltiesReachTheSampler() {
        try (BitNetChatModel seeded = BitNetChatModel.builder().model(chat.engine()).temperature(1.0).topK(0)
                .seed(7L).maxOutputTokens(8).build()) {
            String a = seeded.chat("Sample something");
            String b = seeded.chat("Sample something");
            assertEquals(a, b);
        }
        // The greedy answer repeats words, so it repeats tokens; a large presence penalty forbids that.
        String plain = chat.chat(request("Tell me about ternary weights")).aiMessage().text();
        List<String> words = List.of(plain.trim().split(" +"));
        assertTrue(words.stream().distinct().count() < words.size(), "no repetition to penalise in '" + plain + "'");
        String penalised = chat.chat(request("Tell me about ternary weights").toBuilder().presencePenalty(1000.0)
                .build()).aiMessage().text();
        assertNotEquals(plain, penalised);
    }

    @Test
    void builderDefaultsComeFromLangChain4jParametersAndIndividualSettersWin() {
        try (BitNetChatModel m = BitNetChatModel.builder().model(chat.engine())
                .defaultRequestParameters(ChatRequestParameters.builder().temperature(0.7).maxOutputTokens(3)
                        .stopSequences(List.of("\n")).build())
                .maxOutputTokens(5).build()) {
            ChatRequestParameters d = m.defaultRequestParameters();
            assertEquals(0.7, d.temperature());
            assertEquals(5, d.maxOutputTokens());
            assertEquals(List.of("\n"), d.stopSequences());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BitNetChatModel.builder().model(chat.engine()).temperature(-0.5).build());
        assertEquals("temperature must be in [0, +inf) (0 = greedy decoding), was -0.5", e.getMessage());
    }

    @Test
    void invalidParametersFailBeforeAnyComputeAndReachTheErrorListener() {
        EngineStatistics before = chat.engine().statistics();
        assertInvalid(request("hi").toBuilder().temperature(-1.0).build(),
                "temperature must be in [0, +inf) (0 = greedy decoding), was -1.0");
        assertInvalid(request("hi").toBuilder().topP(0.0).build(), "topP must be in (0, 1] (1 = no nucleus filter), was 0.0");
        assertInvalid(request("hi").toBuilder().topP(1.5).build(), "topP must be in (0, 1] (1 = no nucleus filter), was 1.5");
        assertInvalid(request("hi").toBuilder().maxOutputTokens(0).build(), "maxOutputTokens must be in [1, +inf), was 0");
        assertEquals(before, chat.engine().statistics(), "no request may reach the engine");
        assertEquals(4, listener.requests.size());
        assertEquals(4, listener.errors.size());
        assertEquals(0, listener.responses.size());
    }

    private static void assertInvalid(ChatRequest request, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> chat.chat(request));
        assertEquals(message, e.getMessage());
        assertSame(e, listener.errors.getLast().error());
    }

    @Test
    void unsupportedFeaturesFailNamingTheFeature() {
        EngineStatistics before = chat.engine().statistics();
        assertUnsupported(ChatRequest.builder().messages(UserMessage.from(TextContent.from("look"),
                ImageContent.from("https://example.com/cat.png"))).build(), "image content");
        assertUnsupported(request("hi").toBuilder().modelName("gpt-4o").build(), "choosing a model per request");
        // Schema features the decoder cannot enforce, in a response format or a tool's parameters.
        assertUnsupported(request("hi").toBuilder().responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder().name("code").rootElement(JsonRawSchema.from(
                        "{\"type\":\"string\",\"pattern\":\"^[A-Z]+$\"}")).build()).build()).build(),
                "JSON schema keyword 'pattern' at #");
        assertUnsupported(request("hi").toBuilder().toolSpecifications(ToolSpecification.builder().name("roll")
                .parameters(JsonObjectSchema.builder().addProperty("sides", JsonRawSchema.from(
                        "{\"type\":\"integer\",\"minimum\":2}")).build()).build()).build(),
                "JSON schema keyword 'minimum' at #");
        assertUnsupported(request("hi").toBuilder().responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder().name("loop").rootElement(JsonObjectSchema.builder()
                        .addProperty("next", JsonReferenceSchema.builder().reference("missing").build()).build())
                        .build()).build()).build(), "the reference 'missing' names no definition");
        assertEquals(before, chat.engine().statistics(), "no request may reach the engine");
        assertEquals(java.util.Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA), chat.supportedCapabilities());
    }

    @Test
    void toolChoiceRequiredWithoutToolsIsInvalid() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> chat.chat(request("hi").toBuilder().toolChoice(ToolChoice.REQUIRED).build()));
        assertEquals("toolChoice REQUIRED needs at least one tool specification, the request has none", e.getMessage());
    }

    private static void assertUnsupported(ChatRequest request, String feature) {
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, () -> chat.chat(request));
        assertTrue(e.getMessage().startsWith(feature), e.getMessage());
    }

    @Test
    void textPartsOfOneUserMessageAreJoinedByNewlines() {
        ChatResponse r = chat.chat(ChatRequest.builder()
                .messages(UserMessage.from(TextContent.from("first"), TextContent.from("second"))).build());
        assertEquals(promptTokens(tokenizer, "User: first\nsecond<|eot_id|>Assistant: "), r.tokenUsage().inputTokenCount());
    }

    @Test
    void theTokenCountEstimatorCountsWhatTheModelIsFed() {
        BitNetTokenCountEstimator estimator = chat.tokenCountEstimator();
        List<dev.langchain4j.data.message.ChatMessage> messages = List.of(SystemMessage.from("Be brief."),
                UserMessage.from("Count me"));
        ChatResponse r = chat.chat(messages);
        // The whole prompt: BOS, the two turns and the generation prompt "Assistant: ".
        assertEquals(r.tokenUsage().inputTokenCount(), estimator.estimateTokenCountInMessages(messages));
        assertEquals(tokenizer.encode("User: Count me<|eot_id|>", true).length,
                estimator.estimateTokenCountInMessage(UserMessage.from("Count me")));
    }

    @Test
    void aClosedModelSaysSo() {
        BitNetChatModel own = DemoChat.greedy().threads(1).maxOutputTokens(2).build();
        own.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> own.chat("hi"));
        assertEquals("this BitNet model is closed", e.getMessage());
    }
}
