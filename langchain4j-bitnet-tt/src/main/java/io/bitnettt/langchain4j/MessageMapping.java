package io.bitnettt.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** LangChain4j messages to the turns of BitNet's chat template; anything but text is refused. */
final class MessageMapping {
    private MessageMapping() {
    }

    static List<io.bitnettt.tokenizer.ChatMessage> toTemplate(List<ChatMessage> messages) {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("a chat request needs at least one message");
        }
        List<io.bitnettt.tokenizer.ChatMessage> out = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            out.add(switch (m) {
                case SystemMessage s -> io.bitnettt.tokenizer.ChatMessage.system(s.text());
                case UserMessage u -> io.bitnettt.tokenizer.ChatMessage.user(text(u));
                case AiMessage a -> {
                    if (a.hasToolExecutionRequests()) {
                        throw new UnsupportedFeatureException("tools are not supported yet by BitNet "
                                + "(an AI message in the history holds tool execution requests)");
                    }
                    yield io.bitnettt.tokenizer.ChatMessage.assistant(a.text() == null ? "" : a.text());
                }
                default -> throw new UnsupportedFeatureException(
                        m.type() + " messages are not supported yet by BitNet" + (m.type().name().startsWith("TOOL")
                                ? " (no tools)" : ""));
            });
        }
        return out;
    }

    /** Text parts joined by newlines, as a single user turn; any other content type is refused by name. */
    private static String text(UserMessage u) {
        StringBuilder sb = new StringBuilder();
        for (Content c : u.contents()) {
            if (!(c instanceof TextContent t)) {
                throw new UnsupportedFeatureException(c.type().name().toLowerCase(Locale.ROOT)
                        + " content is not supported yet by BitNet, which reads text only");
            }
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            sb.append(t.text());
        }
        return sb.toString();
    }
}
