package io.bitnettt.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.TokenCountEstimator;
import io.bitnettt.tokenizer.BpeTokenizer;
import io.bitnettt.tokenizer.ChatTemplate;

import java.util.ArrayList;
import java.util.List;

/**
 * Exact token counts with the model's own tokenizer and chat template, for LangChain4j memory
 * windows and RAG budgets.
 */
public final class BitNetTokenCountEstimator implements TokenCountEstimator {
    private final BpeTokenizer tokenizer;
    private final ChatTemplate template;

    public BitNetTokenCountEstimator(BpeTokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.template = new ChatTemplate(tokenizer);
    }

    @Override
    public int estimateTokenCountInText(String text) {
        return tokenizer.countTokens(text);
    }

    /** The message as the template renders it ({@code Role: content<|eot_id|>}), without BOS. */
    @Override
    public int estimateTokenCountInMessage(ChatMessage message) {
        return template.countTokens(MessageMapping.toTemplate(List.of(message)), false) - (tokenizer.addBos() ? 1 : 0);
    }

    /** The whole prompt these messages make: BOS, every turn and the {@code Assistant: } generation prompt. */
    @Override
    public int estimateTokenCountInMessages(Iterable<ChatMessage> messages) {
        List<ChatMessage> all = new ArrayList<>();
        messages.forEach(all::add);
        return all.isEmpty() ? 0 : template.countTokens(MessageMapping.toTemplate(all), true);
    }
}
