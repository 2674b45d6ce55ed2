package io.bitnettt.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.output.FinishReason;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What an application sees around a request: a close() while a stream runs, and an interrupt while
 * a request waits in the queue.
 */
class EngineLifecycleTest {

    /**
     * close() stops a running stream within a token instead of waiting for its end; the handler
     * still gets its final callback. The handler holds the first token until close() is waiting
     * for the engine, so the order of events is fixed.
     */
    @Test
    void closingTheModelCancelsARunningStream() throws Exception {
        BitNetStreamingChatModel streaming = BitNetStreamingChatModel.builder().modelPath(DemoChat.folder())
                .backend("cpu").threads(1).temperature(0.0).maxOutputTokens(900).build();
        AtomicReference<Thread> closer = new AtomicReference<>();
        DemoChat.Collector handler = new DemoChat.Collector() {
            @Override
            public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                super.onPartialResponse(partial, context);
                if (closer.get() == null) {
                    Thread t = new Thread(streaming::close, "closer");
                    closer.set(t);
                    t.start();
                    awaitBlocked(t);
                }
            }
        };
        streaming.chat(ChatRequest.builder().messages(UserMessage.from("Tell me a long story")).build(), handler);
        DemoChat.Streamed s = handler.await();
        closer.get().join();
        if (s.error() == null) {
            assertEquals(FinishReason.OTHER, s.response().finishReason());
            assertTrue(s.response().tokenUsage().outputTokenCount() < 10, "tokens after close: "
                    + s.response().tokenUsage().outputTokenCount());
        } else {
            // The stream's own thread was interrupted by close(): also a final callback, never a hang.
            assertFalse(s.error() instanceof AssertionError, s.error().toString());
        }
        assertTrue(streaming.engine().isClosed());
    }

    /** A caller interrupted while it waits for another request gives up without running its own. */
    @Test
    void aCallerInterruptedInTheQueueDoesNotRun() throws Exception {
        try (BitNetChatModel model = DemoChat.greedy().maxOutputTokens(30).build();
             BitNetStreamingChatModel streaming = BitNetStreamingChatModel.builder().model(model.engine())
                     .temperature(0.0).maxOutputTokens(30).build()) {
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            DemoChat.Collector first = new DemoChat.Collector() {
                @Override
                public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                    super.onPartialResponse(partial, context);
                    holding.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            streaming.chat(ChatRequest.builder().messages(UserMessage.from("first")).build(), first);
            holding.await();
            long requestsBefore = model.engine().statistics().requests();

            AtomicReference<Throwable> outcome = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    model.chat("second");
                } catch (Throwable t) {
                    outcome.set(t);
                }
            }, "waiter");
            waiter.start();
            awaitBlocked(waiter);
            waiter.interrupt();
            waiter.join();
            release.countDown();
            first.await();

            assertInstanceOf(CancellationException.class, outcome.get());
            assertTrue(outcome.get().getMessage().contains("did not run"), outcome.get().getMessage());
            assertEquals(requestsBefore + 1, model.engine().statistics().requests(), "only the first request ran");
        }
    }

    /** Waits, without a clock, until {@code t} is parked inside the engine (waiting for its lock). */
    static void awaitBlocked(Thread t) {
        while (t.isAlive() && !(t.getState() == Thread.State.WAITING && insideEngine(t))) {
            Thread.yield();
        }
    }

    private static boolean insideEngine(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals("io.bitnettt.engine.BitNetModel")) {
                return true;
            }
        }
        return false;
    }
}
