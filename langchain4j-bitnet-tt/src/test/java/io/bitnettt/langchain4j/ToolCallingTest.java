package io.bitnettt.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.output.FinishReason;
import io.bitnettt.generate.json.IndependentValidator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.bitnettt.langchain4j.DemoChat.promptTokens;
import static org.junit.jupiter.api.Assertions.*;

/** Tool calls on the demo model: the call format, the prompt it reads, REQUIRED, AUTO and streaming. */
class ToolCallingTest {
    static final ToolSpecification ADD = ToolSpecification.builder().name("add").description("Adds two integers")
            .parameters(JsonObjectSchema.builder().addIntegerProperty("a").addIntegerProperty("b").required("a", "b")
                    .build()).build();
    static final ToolSpecification WEATHER = ToolSpecification.builder().name("weather")
            .description("The weather in a city").parameters(JsonObjectSchema.builder().addStringProperty("city")
                    .addProperty("unit", JsonEnumSchema.builder().enumValues("C", "F").build()).required("city")
                    .build()).build();
    static final ToolSpecification CLOCK = ToolSpecification.builder().name("clock").description("The time").build();
    static final List<ToolSpecification> TOOLS = List.of(ADD, WEATHER, CLOCK);

    /** The documented system turn for these tools, written out by hand. */
    static final String REQUIRED_SYSTEM = "You must call one of these tools. To call a tool, answer with only a JSON"
            + " object {\"name\":\"<tool name>\",\"arguments\":{...}} whose arguments follow the tool's parameters."
            + " The result comes back as a message starting with \"Result of tool\".\nTools:\n"
            + "{\"name\":\"add\",\"description\":\"Adds two integers\",\"parameters\":{\"type\":\"object\",\"properties\":"
            + "{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"integer\"}},\"required\":[\"a\",\"b\"]}}\n"
            + "{\"name\":\"weather\",\"description\":\"The weather in a city\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\",\"enum\":[\"C\",\"F\"]}},"
            + "\"required\":[\"city\"]}}\n"
            + "{\"name\":\"clock\",\"description\":\"The time\"}";

    static BitNetChatModel greedy;

    @BeforeAll
    static void load() {
        greedy = DemoChat.greedy().threads(1).maxOutputTokens(64).build();
    }

    @AfterAll
    static void close() {
        greedy.close();
    }

    static ChatRequest.Builder request(String user) {
        return ChatRequest.builder().messages(SystemMessage.from("Be brief."), UserMessage.from(user))
                .toolSpecifications(TOOLS);
    }

    @Test
    void toolChoiceRequiredAlwaysGivesOneValidCallOfAKnownTool() {
        List<String> failures = new ArrayList<>();
        List<String> called = new ArrayList<>();
        for (long seed = 0; seed < 5; seed++) {
            try (BitNetChatModel sampled = BitNetChatModel.builder().model(greedy.engine()).modelName("bitnet-demo")
                    .temperature(1.0).seed(seed).maxOutputTokens(64).build()) {
                for (BitNetChatModel model : List.of(greedy, sampled)) {
                    ChatResponse r = model.chat(request("What is 2 + 3? Seed " + seed).toolChoice(ToolChoice.REQUIRED).build());
                    AiMessage ai = r.aiMessage();
                    if (!ai.hasToolExecutionRequests() || ai.toolExecutionRequests().size() != 1 || ai.text() != null
                            || r.finishReason() != FinishReason.TOOL_EXECUTION) {
                        failures.add("seed " + seed + ": " + ai + " " + r.finishReason());
                        continue;
                    }
                    ToolExecutionRequest call = ai.toolExecutionRequests().getFirst();
                    ToolSpecification tool = TOOLS.stream().filter(t -> t.name().equals(call.name())).findFirst()
                            .orElseThrow(() -> new AssertionError("unknown tool " + call.name()));
                    String schema = tool.parameters() == null ? "{\"type\":\"object\",\"additionalProperties\":false}"
                            : json(JsonSchemaElementUtils.toMap(tool.parameters()));
                    List<String> problems = IndependentValidator.of(schema).problems(call.arguments());
                    if (!problems.isEmpty()) {
                        failures.add("seed " + seed + ": " + call + " " + problems);
                    }
                    assertTrue(call.id() != null && !call.id().isEmpty());
                    called.add(call.name());
                }
            }
        }
        assertEquals(List.of(), failures);
        assertEquals(10, called.size());
    }

    @Test
    void theToolsAreListedInTheSystemTurnAsDocumented() {
        ChatResponse r = greedy.chat(request("What is 2 + 3?").toolChoice(ToolChoice.REQUIRED).build());
        assertEquals(promptTokens(greedy.engine().tokenizer(), "System: Be brief.\n\n" + REQUIRED_SYSTEM
                        + "<|eot_id|>User: What is 2 + 3?<|eot_id|>Assistant: "),
                r.tokenUsage().inputTokenCount());
    }

    @Test
    void callsAndResultsInTheHistoryAreRenderedAsDocumented() {
        ToolExecutionRequest call = ToolExecutionRequest.builder().id("c1").name("add")
                .arguments("{ \"a\": 2, \"b\": 3 }").build();
        ChatResponse r = greedy.chat(ChatRequest.builder().messages(UserMessage.from("What is 2 + 3?"),
                        AiMessage.from(call), ToolExecutionResultMessage.from(call, "5"),
                        AiMessage.from("It is 5."), UserMessage.from("And the time?"),
                        AiMessage.from(ToolExecutionRequest.builder().id("c2").name("clock").arguments("{}").build()),
                        ToolExecutionResultMessage.builder().id("c2").toolName("clock").text("no clock").isError(true)
                                .build())
                .toolSpecifications(TOOLS).toolChoice(ToolChoice.NONE).build());
        // Tool choice NONE: no tool instructions, the history still renders calls and results.
        assertEquals(promptTokens(greedy.engine().tokenizer(), "User: What is 2 + 3?<|eot_id|>"
                        + "Assistant: {\"name\":\"add\",\"arguments\":{\"a\":2,\"b\":3}}<|eot_id|>"
                        + "User: Result of tool add: 5<|eot_id|>Assistant: It is 5.<|eot_id|>User: And the time?<|eot_id|>"
                        + "Assistant: {\"name\":\"clock\",\"arguments\":{}}<|eot_id|>"
                        + "User: Error from tool clock: no clock<|eot_id|>Assistant: "),
                r.tokenUsage().inputTokenCount());
        assertFalse(r.aiMessage().hasToolExecutionRequests());
    }

    @Test
    void toolChoiceAutoLetsTheFirstTokenDecideAndTheDemoModelAnswersInText() {
        // Random weights put almost no weight on '{', so the first token starts text and nothing is constrained.
        ChatResponse auto = greedy.chat(request("Hello there").build());
        assertFalse(auto.aiMessage().hasToolExecutionRequests());
        assertFalse(auto.aiMessage().text().startsWith("{"), auto.aiMessage().text());
        assertNotEquals(FinishReason.TOOL_EXECUTION, auto.finishReason());
        // The same prompt with tool choice AUTO and the tools listed, without constraint, is the same text.
        assertEquals(auto.aiMessage().text(), greedy.chat(ChatRequest.builder().messages(
                SystemMessage.from("Be brief.\n\n" + REQUIRED_SYSTEM.replace("You must call one of these tools.",
                        "You can call these tools.").replace("with \"Result of tool\".",
                        "with \"Result of tool\". To answer without a tool, write plain text.")),
                UserMessage.from("Hello there")).build()).aiMessage().text());
    }

    @Test
    void streamingDeliversTheCallWholeThroughOnCompleteResponse() throws Exception {
        List<CompleteToolCall> completeCalls = new CopyOnWriteArrayList<>();
        try (BitNetStreamingChatModel streaming = BitNetStreamingChatModel.builder().model(greedy.engine())
                .modelName("bitnet-demo").temperature(0.0).maxOutputTokens(64).build()) {
            DemoChat.Collector handler = new DemoChat.Collector() {
                @Override
                public void onCompleteToolCall(CompleteToolCall call) {
                    completeCalls.add(call);
                }
            };
            ChatRequest required = request("What is 2 + 3?").toolChoice(ToolChoice.REQUIRED).build();
            streaming.chat(required, handler);
            DemoChat.Streamed s = handler.await();
            assertNull(s.error());
            assertEquals(List.of(), s.pieces(), "a tool call is not streamed as text");
            AiMessage ai = s.response().aiMessage();
            assertEquals(1, ai.toolExecutionRequests().size());
            assertEquals(FinishReason.TOOL_EXECUTION, s.response().finishReason());
            assertEquals(1, completeCalls.size());
            assertEquals(0, completeCalls.getFirst().index());
            assertEquals(ai.toolExecutionRequests().getFirst(), completeCalls.getFirst().toolExecutionRequest());
            // The blocking model makes the same call (ids differ: each call gets a fresh one).
            ToolExecutionRequest blocking = greedy.chat(required).aiMessage().toolExecutionRequests().getFirst();
            assertEquals(blocking.name(), ai.toolExecutionRequests().getFirst().name());
            assertEquals(blocking.arguments(), ai.toolExecutionRequests().getFirst().arguments());
        }
    }

    static String json(Object value) {
        try {
            return new ObjectMapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
