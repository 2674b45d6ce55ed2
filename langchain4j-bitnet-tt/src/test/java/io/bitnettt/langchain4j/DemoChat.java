package io.bitnettt.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.bitnettt.demo.DemoModel;
import io.bitnettt.tokenizer.BpeTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Test helpers over the demo model (random weights written by the project's checkpoint writer, a
 * tiny byte-level BPE tokenizer with the Llama 3 special tokens).
 */
final class DemoChat {
    private static Path folder;

    private DemoChat() {
    }

    /** The demo folder, written once per test JVM. */
    static synchronized Path folder() {
        if (folder == null) {
            try {
                Path root = Files.createTempDirectory("bitnet-lc4j-test-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
                folder = DemoModel.ensure(root);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return folder;
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Best effort at JVM exit: a leftover temp folder is harmless.
        }
    }

    /** A greedy chat model on the CPU backend that owns its engine. */
    static BitNetChatModel.Builder greedy() {
        return BitNetChatModel.builder().modelPath(folder()).backend("cpu").threads(2).modelName("bitnet-demo")
                .temperature(0.0);
    }

    /**
     * Prompt tokens as the model card defines them, computed without the engine's chat template:
     * BOS plus the rendered prompt text, written out by hand in each test, tokenized with special
     * tokens enabled so {@code <|eot_id|>} becomes its id.
     */
    static int promptTokens(BpeTokenizer tokenizer, String rendered) {
        return 1 + tokenizer.encode(rendered, true).length;
    }

    /** What a streaming request delivered. */
    record Streamed(List<String> pieces, ChatResponse response, Throwable error) {
        String text() {
            return String.join("", pieces);
        }
    }

    /** Collects one streaming request until its final callback. */
    static class Collector implements StreamingChatResponseHandler {
        final List<String> pieces = new CopyOnWriteArrayList<>();
        final List<Thread> callbackThreads = new CopyOnWriteArrayList<>();
        final CompletableFuture<Streamed> done = new CompletableFuture<>();

        @Override
        public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            callbackThreads.add(Thread.currentThread());
            pieces.add(partial.text());
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            callbackThreads.add(Thread.currentThread());
            if (!done.complete(new Streamed(List.copyOf(pieces), response, null))) {
                throw new AssertionError("a second final callback: onCompleteResponse");
            }
        }

        @Override
        public void onError(Throwable error) {
            callbackThreads.add(Thread.currentThread());
            if (!done.complete(new Streamed(List.copyOf(pieces), null, error))) {
                throw new AssertionError("a second final callback: onError " + error);
            }
        }

        Streamed await() throws Exception {
            return done.get(60, TimeUnit.SECONDS);
        }
    }
}
