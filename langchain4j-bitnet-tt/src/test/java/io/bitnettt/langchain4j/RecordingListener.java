package io.bitnettt.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every listener event, to count them and to see the request the model received. */
final class RecordingListener implements ChatModelListener {
    final List<ChatModelRequestContext> requests = new CopyOnWriteArrayList<>();
    final List<ChatModelResponseContext> responses = new CopyOnWriteArrayList<>();
    final List<ChatModelErrorContext> errors = new CopyOnWriteArrayList<>();

    @Override
    public void onRequest(ChatModelRequestContext context) {
        context.attributes().put("seen", "request");
        requests.add(context);
    }

    @Override
    public void onResponse(ChatModelResponseContext context) {
        responses.add(context);
    }

    @Override
    public void onError(ChatModelErrorContext context) {
        errors.add(context);
    }

    void clear() {
        requests.clear();
        responses.clear();
        errors.clear();
    }
}
