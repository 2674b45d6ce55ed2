package io.bitnettt.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.service.AiServices;
import io.bitnettt.engine.EngineStatistics;
import io.bitnettt.generate.GenerationStats;
import io.bitnettt.tokenizer.BpeTokenizer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** An AiServices assistant with chat memory: the second turn resends the first and reuses its KV cache. */
class AiServicesMemoryTest {
    interface Assistant {
        String chat(String message);
    }

    @Test
    void theSecondTurnReusesTheFirstTurnsCachedPrefix() {
        RecordingListener listener = new RecordingListener();
        try (BitNetChatModel model = DemoChat.greedy().maxOutputTokens(8).listener(listener).build()) {
            Assistant assistant = AiServices.builder(Assistant.class)
                    .chatModel(model)
                    .chatMemory(MessageWindowChatMemory.withMaxMessages(10))
                    .build();
            BpeTokenizer tokenizer = model.engine().tokenizer();

            String first = assistant.chat("What is a ternary weight?");
            EngineStatistics afterFirst = model.engine().statistics();
            String second = assistant.chat("And why is it fast?");
            EngineStatistics afterSecond = model.engine().statistics();

            // The memory sent the whole conversation on the second turn.
            assertEquals(List.of(UserMessage.from("What is a ternary weight?"), AiMessage.from(first),
                            UserMessage.from("And why is it fast?")),
                    listener.requests.get(1).chatRequest().messages());
            assertEquals(second, listener.responses.get(1).chatResponse().aiMessage().text());

            // Reused = the longest common prefix of what the cache held after turn one and turn two's prompt.
            // Turn one's prompt lies in it completely except its last token or two: the generation prompt
            // "Assistant: " ends in a space, which tokenizes differently once the answer follows it.
            String firstPrompt = "User: What is a ternary weight?<|eot_id|>Assistant: ";
            String secondPrompt = "User: What is a ternary weight?<|eot_id|>Assistant: " + first.strip()
                    + "<|eot_id|>User: And why is it fast?<|eot_id|>Assistant: ";
            int[] a = withBos(tokenizer, firstPrompt);
            int[] b = withBos(tokenizer, secondPrompt);
            int common = commonPrefix(a, b);
            assertTrue(common >= a.length - 2, "the template shares at least the first user turn, " + common);

            GenerationStats stats = ((BitNetChatResponseMetadata) listener.responses.get(1).chatResponse().metadata())
                    .generationStats();
            assertEquals(b.length, stats.promptTokens());
            int cachedAfterFirst = a.length + listener.responses.get(0).chatResponse().tokenUsage().outputTokenCount() - 1;
            assertTrue(stats.reusedPrefixTokens() >= common && stats.reusedPrefixTokens() <= cachedAfterFirst,
                    "reused " + stats.reusedPrefixTokens() + ", expected in [" + common + ", " + cachedAfterFirst + "]");
            // The model's running totals agree: only the new part of turn two went through prefill.
            assertEquals(stats.reusedPrefixTokens(), afterSecond.reusedPrefixTokens() - afterFirst.reusedPrefixTokens());
            assertEquals(b.length - stats.reusedPrefixTokens(), afterSecond.prefilledTokens() - afterFirst.prefilledTokens());
        }
    }

    private static int[] withBos(BpeTokenizer tokenizer, String rendered) {
        int[] text = tokenizer.encode(rendered, true);
        int[] ids = new int[text.length + 1];
        ids[0] = tokenizer.bosId();
        System.arraycopy(text, 0, ids, 1, text.length);
        return ids;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int i = 0;
        while (i < a.length && i < b.length && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
