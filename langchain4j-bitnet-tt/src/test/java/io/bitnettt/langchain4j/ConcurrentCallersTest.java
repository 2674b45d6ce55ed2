package io.bitnettt.langchain4j;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * One loaded model serving 8 callers at once, half through the blocking and half through the
 * streaming model: requests queue for the engine, so each greedy answer equals the one it gives alone.
 */
class ConcurrentCallersTest {
    private static final int CALLERS = 8;

    private static ChatRequest request(int i) {
        return ChatRequest.builder().messages(SystemMessage.from("Answer caller " + i + "."),
                UserMessage.from("Question number " + i + ": what do ternary weights " + "save ".repeat(i) + "?"))
                .build();
    }

    @Test
    void eightConcurrentCallersGetTheirSoloAnswers() throws Exception {
        try (BitNetChatModel chat = DemoChat.greedy().maxOutputTokens(12).build();
             BitNetStreamingChatModel streaming = BitNetStreamingChatModel.builder().model(chat.engine())
                     .temperature(0.0).maxOutputTokens(12).build();
             ExecutorService callers = Executors.newFixedThreadPool(CALLERS)) {
            List<String> alone = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                alone.add(chat.chat(request(i)).aiMessage().text());
            }
            assertTrue(alone.stream().distinct().count() > 1, "the prompts must lead to different answers: " + alone);

            long requestsBefore = chat.engine().statistics().requests();
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                int caller = i;
                answers.add(callers.submit(() -> {
                    start.await();
                    if (caller % 2 == 0) {
                        return chat.chat(request(caller)).aiMessage().text();
                    }
                    DemoChat.Collector handler = new DemoChat.Collector();
                    streaming.chat(request(caller), handler);
                    DemoChat.Streamed s = handler.await();
                    assertNull(s.error());
                    assertEquals(s.response().aiMessage().text(), s.text());
                    return s.text();
                }));
            }
            start.countDown();
            for (int i = 0; i < CALLERS; i++) {
                assertEquals(alone.get(i), answers.get(i).get(120, TimeUnit.SECONDS), "caller " + i);
            }
            assertEquals(requestsBefore + CALLERS, chat.engine().statistics().requests());
        }
    }
}
