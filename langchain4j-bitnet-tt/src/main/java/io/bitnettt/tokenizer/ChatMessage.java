package io.bitnettt.tokenizer;

import java.util.Objects;

/**
 * One chat turn. The role is kept as a string so that a bad role coming from an API caller reaches
 * {@link ChatTemplate}, which rejects it with a clear message.
 */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
