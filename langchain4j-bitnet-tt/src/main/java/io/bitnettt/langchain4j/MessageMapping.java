package io.bitnettt.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * LangChain4j messages to the turns of BitNet's chat template, which knows system, user and
 * assistant turns only: tool calls become assistant turns holding the call's JSON and tool results
 * user turns, as {@link ToolCalls} describes. Content other than text is refused.
 */
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
                case UserMessage u -> io.bitnettt.tokenizer.ChatMessage.user(text(u.contents()));
                case AiMessage a -> io.bitnettt.tokenizer.ChatMessage.assistant(assistantText(a));
                case ToolExecutionResultMessage r -> io.bitnettt.tokenizer.ChatMessage.user(ToolCalls.renderResult(
                        r.toolName(), r.contents() == null || r.contents().isEmpty() ? r.text() : text(r.contents()),
                        Boolean.TRUE.equals(r.isError())));
                default -> throw new UnsupportedFeatureException(
                        m.type() + " messages are not supported by BitNet");
            });
        }
        return out;
    }

    /** The tool instructions at the end of the first system turn, or as a system turn of their own. */
    static List<io.bitnettt.tokenizer.ChatMessage> withToolInstructions(List<io.bitnettt.tokenizer.ChatMessage> turns,
                                                                       String instructions) {
        List<io.bitnettt.tokenizer.ChatMessage> out = new ArrayList<>(turns.size() + 1);
        if (!turns.isEmpty() && turns.getFirst().role().equals("system")) {
            String system = turns.getFirst().content().strip();
            out.add(io.bitnettt.tokenizer.ChatMessage.system(system.isEmpty() ? instructions : system + "\n\n" + instructions));
            out.addAll(turns.subList(1, turns.size()));
        } else {
            out.add(io.bitnettt.tokenizer.ChatMessage.system(instructions));
            out.addAll(turns);
        }
        return out;
    }

    /** The text, then each tool call on a line of its own. */
    private static String assistantText(AiMessage a) {
        StringBuilder sb = new StringBuilder(a.text() == null ? "" : a.text().strip());
        if (a.hasToolExecutionRequests()) {
            for (ToolExecutionRequest call : a.toolExecutionRequests()) {
                if (!sb.isEmpty()) {
                    sb.append('\n');
                }
                sb.append(ToolCalls.render(call));
            }
        }
        return sb.toString();
    }

    /** Text parts joined by newlines, as a single turn; any other content type is refused by name. */
    private static String text(List<Content> contents) {
        StringBuilder sb = new StringBuilder();
        for (Content c : contents) {
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
