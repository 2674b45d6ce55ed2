package io.bitnettt.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One streaming request seen from its handler: text pieces with a {@link StreamingHandle} to cancel,
 * then exactly one of {@code onCompleteResponse} or {@code onError}. Nothing the handler throws
 * reaches the engine: an exception from {@code onPartialResponse} stops generation and is reported
 * through {@code onError}; one from {@code onCompleteResponse} goes to {@code onError} too, as in
 * LangChain4j's own providers; one from {@code onError} is logged.
 */
final class StreamingRequest implements StreamingHandle {
    private static final System.Logger LOG = System.getLogger(StreamingRequest.class.getName());

    private final StreamingChatResponseHandler handler;
    private final PartialResponseContext context = new PartialResponseContext(this);
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private volatile RuntimeException handlerFailure;

    StreamingRequest(StreamingChatResponseHandler handler) {
        this.handler = handler;
    }

    @Override
    public void cancel() {
        cancelled.set(true);
    }

    @Override
    public boolean isCancelled() {
        return cancelled.get();
    }

    /** Runs the request on the current thread and reports its end to the handler. */
    void run(ChatEndpoint endpoint, ChatEndpoint.Prepared prepared) {
        ChatResponse response;
        try {
            response = endpoint.run(prepared, this::partial, () -> cancelled.get() || handlerFailure != null);
        } catch (Throwable t) {
            error(t);
            return;
        }
        if (handlerFailure != null) {
            error(handlerFailure);
            return;
        }
        try {
            // A tool call is never streamed as text: it arrives whole, first as a complete tool call,
            // then in the response's AI message, as LangChain4j's own providers deliver it.
            List<ToolExecutionRequest> calls = response.aiMessage().toolExecutionRequests();
            for (int i = 0; i < calls.size(); i++) {
                handler.onCompleteToolCall(new CompleteToolCall(i, calls.get(i)));
            }
            handler.onCompleteResponse(response);
        } catch (RuntimeException e) {
            error(e);
        }
    }

    private void partial(String piece) {
        if (handlerFailure != null) {
            return;
        }
        try {
            handler.onPartialResponse(new PartialResponse(piece), context);
        } catch (RuntimeException e) {
            handlerFailure = e;
        }
    }

    void error(Throwable t) {
        try {
            handler.onError(t);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "StreamingChatResponseHandler.onError threw; ignored", e);
        }
    }
}
