package io.bitnettt.langchain4j;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.output.FinishReason;
import io.bitnettt.engine.EngineStatistics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.bitnettt.langchain4j.DemoChat.promptTokens;
import static org.junit.jupiter.api.Assertions.*;

/** {@link BitNetStreamingChatModel} sharing one engine with a {@link BitNetChatModel}. */
class BitNetStreamingChatModelTest {
    static final RecordingListener listener = new RecordingListener();
    static BitNetChatModel chat;
    static BitNetStreamingChatModel streaming;

    @BeforeAll
    static void load() {
        chat = DemoChat.greedy().maxOutputTokens(24).build();
        streaming = BitNetStreamingChatModel.builder().model(chat.engine()).modelName("bitnet-demo")
                .temperature(0.0).maxOutputTokens(24).listener(listener).build();
    }

    @AfterAll
    static void close() {
        streaming.close();
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
    void theModelIsLoadedOnceAndShared() {
        assertSame(chat.engine(), streaming.engine());
    }

    @Test
    void partialResponsesConcatenateToTheCompleteResponseAndToTheBlockingAnswer() throws Exception {
        ChatResponse blocking = chat.chat(request("Tell me about ternary weights"));
        DemoChat.Collector handler = new DemoChat.Collector();
        streaming.chat(request("Tell me about ternary weights"), handler);
        DemoChat.Streamed s = handler.await();

        assertNull(s.error());
        assertFalse(s.pieces().isEmpty());
        assertEquals(s.response().aiMessage().text(), s.text());
        assertEquals(blocking.aiMessage().text(), s.text());
        assertEquals(blocking.tokenUsage(), s.response().tokenUsage());
        assertEquals(blocking.finishReason(), s.response().finishReason());
        assertEquals(promptTokens(chat.engine().tokenizer(),
                "System: Be brief.<|eot_id|>User: Tell me about ternary weights<|eot_id|>Assistant: "),
                s.response().tokenUsage().inputTokenCount());
        for (String piece : s.pieces()) {
            assertFalse(piece.isEmpty());
            // A piece holding half a character would not survive a round trip through UTF-8.
            assertEquals(piece, new String(piece.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
        assertFalse(handler.callbackThreads.contains(Thread.currentThread()), "callbacks run on a worker thread");
        assertEquals(1, listener.requests.size());
        assertEquals(1, listener.responses.size());
        assertEquals(0, listener.errors.size());
        assertSame(s.response(), listener.responses.getFirst().chatResponse());
    }

    @Test
    void invalidRequestsGoToOnErrorAndNeverThrowIntoTheCaller() throws Exception {
        EngineStatistics before = chat.engine().statistics();
        DemoChat.Collector bad = new DemoChat.Collector();
        assertDoesNotThrow(() -> streaming.chat(request("hi").toBuilder().maxOutputTokens(0).build(), bad));
        DemoChat.Streamed s = bad.await();
        assertInstanceOf(IllegalArgumentException.class, s.error());
        assertEquals("maxOutputTokens must be in [1, +inf), was 0", s.error().getMessage());

        DemoChat.Collector json = new DemoChat.Collector();
        ResponseFormat patterned = ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(JsonSchema.builder()
                .name("code").rootElement(JsonRawSchema.from("{\"type\":\"string\",\"pattern\":\"^[A-Z]+$\"}"))
                .build()).build();
        assertDoesNotThrow(() -> streaming.chat(request("hi").toBuilder().responseFormat(patterned).build(), json));
        assertInstanceOf(UnsupportedFeatureException.class, json.await().error());
        assertTrue(json.await().error().getMessage().contains("'pattern'"), json.await().error().getMessage());

        assertEquals(before, chat.engine().statistics());
        assertEquals(2, listener.requests.size());
        assertEquals(2, listener.errors.size());
        assertEquals(0, listener.responses.size());
    }

    @Test
    void aHandlerThatThrowsStopsItsRequestButNotTheModel() throws Exception {
        String expected = chat.chat(request("Go on")).aiMessage().text();
        RuntimeException boom = new IllegalStateException("handler bug");
        DemoChat.Collector throwing = new DemoChat.Collector() {
            @Override
            public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                super.onPartialResponse(partial, context);
                throw boom;
            }
        };
        streaming.chat(request("Go on"), throwing);
        DemoChat.Streamed s = throwing.await();
        assertSame(boom, s.error());
        assertEquals(1, s.pieces().size(), "generation stops at the first failure");
        assertEquals(1, listener.errors.size());

        // The engine is unharmed: the same request gives the same greedy answer, streamed or not.
        DemoChat.Collector again = new DemoChat.Collector();
        streaming.chat(request("Go on"), again);
        assertEquals(expected, again.await().text());
        assertEquals(expected, chat.chat(request("Go on")).aiMessage().text());
    }

    @Test
    void aHandlerCanCancelThroughTheStreamingHandle() throws Exception {
        DemoChat.Collector cancelling = new DemoChat.Collector() {
            @Override
            public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                super.onPartialResponse(partial, context);
                context.streamingHandle().cancel();
                assertTrue(context.streamingHandle().isCancelled());
            }
        };
        streaming.chat(request("Tell me about ternary weights").toBuilder().maxOutputTokens(200).build(), cancelling);
        DemoChat.Streamed s = cancelling.await();
        assertNull(s.error());
        assertEquals(1, s.pieces().size());
        assertEquals(s.text(), s.response().aiMessage().text());
        assertEquals(FinishReason.OTHER, s.response().finishReason());
        assertTrue(s.response().tokenUsage().outputTokenCount() < 24, "stopped within a token of the first piece");
    }

    @Test
    void closingAStreamingModelThatSharesTheEngineLeavesTheEngineOpen() throws Exception {
        BitNetStreamingChatModel second = BitNetStreamingChatModel.builder().model(chat.engine())
                .maxOutputTokens(2).build();
        second.close();
        DemoChat.Collector afterClose = new DemoChat.Collector();
        second.chat(request("hi"), afterClose);
        assertEquals("this BitNet streaming model is closed", afterClose.await().error().getMessage());
        assertNotNull(chat.chat(request("still there?")).aiMessage().text());
    }
}
