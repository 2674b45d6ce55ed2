package io.bitnettt.langchain4j;

import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.bitnettt.engine.BitNetModel;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A LangChain4j {@link StreamingChatModel}: text reaches the handler as soon as whole characters
 * (and no part of a stop string) are known, then {@code onCompleteResponse} or {@code onError}.
 * Each request runs on its own daemon thread and nothing is ever thrown into the caller's thread.
 * A handler may cancel through {@link PartialResponseContext#streamingHandle()}: generation stops
 * within one token and the response completes with finish reason {@code OTHER}.
 *
 * <p>Thread-safe: concurrent requests queue for the engine, which serves them one at a time, first
 * come, first served, together with the requests of any {@link BitNetChatModel} sharing it.
 */
public final class BitNetStreamingChatModel implements StreamingChatModel, AutoCloseable {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ChatEndpoint endpoint;
    // A thread per request so that every request waits in the engine's fair queue right away.
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(r -> {
        Thread t = new Thread(r, "bitnet-streaming-" + THREADS.incrementAndGet());
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
        StreamingRequest streaming = new StreamingRequest(handler);
        ChatEndpoint.Prepared prepared;
        try {
            prepared = endpoint.prepare(request);
        } catch (RuntimeException e) {
            // Bad requests end here, before anything is queued; the caller still hears of it through onError.
            streaming.error(e);
            return;
        }
        try {
            workers.execute(() -> streaming.run(endpoint, prepared));
        } catch (RejectedExecutionException e) {
            streaming.error(new IllegalStateException("this BitNet streaming model is closed", e));
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return endpoint.defaults();
    }

    @Override
    public List<ChatModelListener> listeners() {
        return endpoint.listeners();
    }

    /** {@link Capability#RESPONSE_FORMAT_JSON_SCHEMA}, as for {@link BitNetChatModel#supportedCapabilities()}. */
    @Override
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }

    public BitNetModel engine() {
        return endpoint.engine();
    }

    public BitNetTokenCountEstimator tokenCountEstimator() {
        return new BitNetTokenCountEstimator(endpoint.engine().tokenizer());
    }

    /**
     * Stops accepting requests and cancels running ones (their handlers still get a final callback),
     * then closes the engine if this model loaded it.
     */
    @Override
    public void close() {
        workers.shutdownNow();
        endpoint.close();
    }

    public static final class Builder extends BitNetModelBuilder<Builder> {
        public BitNetStreamingChatModel build() {
            return new BitNetStreamingChatModel(this);
        }
    }
}
