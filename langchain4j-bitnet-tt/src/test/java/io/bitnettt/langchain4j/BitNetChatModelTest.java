package io.bitnettt.langchain4j;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import io.bitnettt.demo.DemoModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The LangChain4j models over the demo model on the CPU backend. */
class BitNetChatModelTest {
    @TempDir
    static Path cache;
    static BitNetChatModel chat;
    static BitNetStreamingChatModel streaming;

    @BeforeAll
    static void load() {
        chat = BitNetChatModel.builder().modelPath(DemoModel.ensure(cache)).backend("cpu").threads(2)
                .temperature(0).maxTokens(8).build();
        streaming = BitNetStreamingChatModel.builder().model(chat.engine()).temperature(0).maxTokens(8).build();
    }

    @AfterAll
    static void close() {
        streaming.close();
        chat.close();
    }

    private static ChatRequest request(String user) {
        return ChatRequest.builder().messages(SystemMessage.from("Be brief."), UserMessage.from(user)).build();
    }

    @Test
    void chatAnswersWithUsageAndFinishReason() {
        ChatResponse r = chat.chat(request("What is a ternary weight?"));
        int prompt = chat.engine().countTokens(List.of(io.bitnettt.tokenizer.ChatMessage.system("Be brief."),
                io.bitnettt.tokenizer.ChatMessage.user("What is a ternary weight?")));
        assertEquals(prompt, r.tokenUsage().inputTokenCount());
        int generated = r.tokenUsage().outputTokenCount();
        assertTrue(generated >= 1 && generated <= 8);
        assertEquals(generated == 8 ? FinishReason.LENGTH : FinishReason.STOP, r.finishReason());
        assertNotNull(r.aiMessage().text());
    }

    @Test
    void requestParametersOverrideTheDefaults() {
        ChatRequest twoTokens = request("hello").toBuilder().maxOutputTokens(2).build();
        ChatResponse r = chat.chat(twoTokens);
        assertTrue(r.tokenUsage().outputTokenCount() <= 2);
    }

    @Test
    void streamingDeliversTheSameTextAsChatInPieces() throws Exception {
        String expected = chat.chat(request("Tell me more")).aiMessage().text();
        List<String> pieces = new ArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(request("Tell me more"), new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                pieces.add(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertEquals(expected, r.aiMessage().text());
        assertEquals(expected, String.join("", pieces));
    }

    @Test
    void aStreamingHandlerCanCancelWithinOneToken() throws Exception {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        List<String> pieces = new ArrayList<>();
        BitNetStreamingChatModel longer = BitNetStreamingChatModel.builder().model(chat.engine()).temperature(0)
                .maxTokens(200).build();
        longer.chat(request("Go on"), new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                pieces.add(partial.text());
                context.streamingHandle().cancel();
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        longer.close(); // shares the engine: must not close it
        if (!pieces.isEmpty()) {
            assertEquals(FinishReason.OTHER, r.finishReason());
            assertEquals(1, pieces.size());
        }
        assertTrue(r.tokenUsage().outputTokenCount() < 200);
        // The shared engine is still usable afterwards.
        assertNotNull(chat.chat(request("still there?")).aiMessage());
    }

    @Test
    void unsupportedFeaturesAreRejectedBeforeGenerating() {
        ChatRequest tools = request("hi").toBuilder()
                .toolSpecifications(ToolSpecification.builder().name("clock").description("time").build()).build();
        assertThrows(UnsupportedFeatureException.class, () -> chat.chat(tools));
        ChatRequest image = ChatRequest.builder().messages(UserMessage.from(TextContent.from("look"),
                ImageContent.from("https://example.com/cat.png"))).build();
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, () -> chat.chat(image));
        assertTrue(e.getMessage().contains("text only"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> chat.chat(request("hi").toBuilder().temperature(-1.0).build()));
    }

    @Test
    void aClosedModelSaysSo() {
        BitNetChatModel own = BitNetChatModel.builder().modelPath(DemoModel.ensure(cache)).backend("cpu").threads(1)
                .maxTokens(2).build();
        own.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> own.chat("hi"));
        assertEquals("this BitNet model is closed", e.getMessage());
    }
}
