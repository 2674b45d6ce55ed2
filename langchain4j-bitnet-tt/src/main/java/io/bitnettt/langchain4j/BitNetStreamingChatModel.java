package io.bitnettt.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import io.bitnettt.engine.BitNetModel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A LangChain4j {@link StreamingChatModel}: text reaches the handler as soon as whole characters
 * (and no part of a stop string) are known. Generation runs on a worker thread; a handler may
 * cancel through {@link PartialResponseContext#streamingHandle()}, which stops within one token.
 */
public final class BitNetStreamingChatModel implements StreamingChatModel, AutoCloseable {
    private final ChatEndpoint endpoint;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bitnet-streaming");
        t.setDaemon(true);
        return t;
    });

    private BitNetStreamingChatModel(Builder b) {
        this.endpoint = b.endpoint();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        // Bad requests fail on the caller's thread, before anything is queued.
        ChatEndpoint.Prepared prepared = endpoint.prepare(request);
        AtomicBoolean cancelled = new AtomicBoolean();
        StreamingHandle handle = new StreamingHandle() {
            @Override
            public void cancel() {
                cancelled.set(true);
            }

            @Override
            public boolean isCancelled() {
                return cancelled.get();
            }
        };
        PartialResponseContext context = new PartialResponseContext(handle);
        worker.execute(() -> {
            try {
                handler.onCompleteResponse(endpoint.run(prepared,
                        piece -> handler.onPartialResponse(new PartialResponse(piece), context), cancelled::get));
            } catch (Throwable t) {
                handler.onError(t);
            }
        });
    }

    public BitNetModel engine() {
        return endpoint.engine();
    }

    @Override
    public void close() {
        worker.shutdownNow();
        endpoint.close();
    }

    public static final class Builder extends BitNetModelBuilder<Builder> {
        public BitNetStreamingChatModel build() {
            return new BitNetStreamingChatModel(this);
        }
    }
}
