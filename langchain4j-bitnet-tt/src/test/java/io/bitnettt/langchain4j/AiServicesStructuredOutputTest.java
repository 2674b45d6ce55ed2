package io.bitnettt.langchain4j;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.service.AiServices;
import io.bitnettt.generate.json.IndependentValidator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** What applications do with a chat model through AiServices: typed answers and tools. */
class AiServicesStructuredOutputTest {
    enum Priority { LOW, MEDIUM, HIGH }

    // LangChain4j makes a field required with Jackson's annotation; budget stays optional. Strings
    // come last: random weights fill a string until the budget forces its end.
    record Step(@JsonProperty(required = true) boolean done, @JsonProperty(required = true) List<String> notes,
                @JsonProperty(required = true) String title) {
    }

    record Plan(@JsonProperty(required = true) Priority priority,
                @JsonProperty(required = true) List<List<Long>> estimates,
                @JsonProperty(required = true) List<Step> steps, Double budget,
                @JsonProperty(required = true) String name) {
    }

    interface Planner {
        Plan plan(String goal);
    }

    @Test
    void aRecordWithNestedListsAndAnEnumComesBackTyped() throws Exception {
        RecordingListener listener = new RecordingListener();
        List<Plan> plans = new ArrayList<>();
        try (BitNetChatModel greedy = DemoChat.greedy().threads(1).maxOutputTokens(160).build()) {
            for (long seed = 0; seed < 3; seed++) {
                listener.clear();
                try (BitNetChatModel model = BitNetChatModel.builder().model(greedy.engine()).modelName("bitnet-demo")
                        .temperature(1.0).seed(seed).maxOutputTokens(160).listener(listener).build()) {
                    Planner planner = AiServices.builder(Planner.class).chatModel(model).build();
                    Plan plan = planner.plan("Plan a trip to the sea");

                    assertNotNull(plan.priority());
                    assertNotNull(plan.steps());
                    assertNotNull(plan.estimates());
                    assertNotNull(plan.name());
                    // AiServices asked for JSON with the record's schema, because the model supports it ...
                    ChatRequest request = listener.requests.getFirst().chatRequest();
                    assertEquals(ResponseFormatType.JSON, request.responseFormat().type());
                    JsonSchema schema = request.responseFormat().jsonSchema();
                    assertNotNull(schema);
                    // ... and the raw answer is a document of that schema, which is what AiServices parsed.
                    String text = listener.responses.getFirst().chatResponse().aiMessage().text();
                    assertEquals(List.of(), IndependentValidator.of(ToolCallingTest.json(
                            JsonSchemaElementUtils.toMap(schema.rootElement()))).problems(text), text);
                    assertEquals(new ObjectMapper().readValue(text, Plan.class), plan);
                    plans.add(plan);
                }
            }
        }
        assertTrue(plans.stream().anyMatch(p -> !p.steps().isEmpty() && p.steps().getFirst().notes() != null),
                "some plan has steps: " + plans);
        assertTrue(plans.stream().anyMatch(p -> !p.estimates().isEmpty()), "some plan has nested estimates: " + plans);
    }

    /** Two tools; each remembers its calls so the test can see what the model asked for. */
    static class Toolbox {
        final List<String> calls = new ArrayList<>();

        @Tool("Adds two integers")
        long add(@P("first") long a, @P("second") long b) {
            calls.add("add");
            return a + b;
        }

        @Tool("The local time in a city")
        String clock(@P("city") String city) {
            calls.add("clock");
            return "It is 12:00 in " + city.length() + "-letter city";
        }
    }

    interface Assistant {
        String chat(String message);
    }

    @Test
    void twoToolsAreCalledAndTheirResultsFlowBack() {
        RecordingListener listener = new RecordingListener();
        Toolbox toolbox = new Toolbox();
        AtomicInteger requests = new AtomicInteger();
        try (BitNetChatModel model = DemoChat.greedy().threads(1).maxOutputTokens(48).listener(listener).build()) {
            Assistant assistant = AiServices.builder(Assistant.class)
                    .chatModel(model)
                    .tools(toolbox)
                    .chatMemory(MessageWindowChatMemory.withMaxMessages(20))
                    // Random weights hardly ever choose a tool on their own (see ToolCallingTest), so the
                    // application requires one in its first two requests, offering only tools not called yet;
                    // after that the choice is the model's (AUTO).
                    .chatRequestTransformer(r -> {
                        if (requests.getAndIncrement() >= 2) {
                            return r.toBuilder().toolChoice(ToolChoice.AUTO).build();
                        }
                        return r.toBuilder().toolChoice(ToolChoice.REQUIRED).toolSpecifications(r.toolSpecifications()
                                .stream().filter(t -> !toolbox.calls.contains(t.name())).toList()).build();
                    })
                    .build();
            String answer = assistant.chat("What is 2 + 3, and what time is it in Paris?");

            assertEquals(2, toolbox.calls.stream().distinct().count(), "calls: " + toolbox.calls);
            assertTrue(toolbox.calls.containsAll(List.of("add", "clock")));
            assertNotNull(answer);
            assertEquals(answer, listener.responses.getLast().chatResponse().aiMessage().text());
            assertFalse(listener.responses.getLast().chatResponse().aiMessage().hasToolExecutionRequests());
            // Every call the model made came back as a result in the next request, with the tool's own output.
            for (int i = 0; i + 1 < listener.requests.size(); i++) {
                AiMessage made = listener.responses.get(i).chatResponse().aiMessage();
                if (!made.hasToolExecutionRequests()) {
                    continue;
                }
                List<ChatMessage> next = listener.requests.get(i + 1).chatRequest().messages();
                ToolExecutionResultMessage result = next.stream().filter(m -> m instanceof ToolExecutionResultMessage)
                        .map(m -> (ToolExecutionResultMessage) m)
                        .filter(m -> m.id().equals(made.toolExecutionRequests().getFirst().id()))
                        .findFirst().orElseThrow(() -> new AssertionError("no result for " + made));
                assertEquals(made.toolExecutionRequests().getFirst().name(), result.toolName());
                assertTrue(next.contains(made), "the call itself is in the history too");
                // The result is part of what the model reads: its rendered turn counts in the prompt.
                int withResult = listener.responses.get(i + 1).chatResponse().tokenUsage().inputTokenCount();
                int turn = model.tokenCountEstimator().estimateTokenCountInMessage(result);
                assertEquals(model.engine().tokenizer().encode("User: " + "Result of tool " + result.toolName() + ": "
                        + result.text() + "<|eot_id|>", true).length, turn);
                assertTrue(withResult > turn);
            }
            assertTrue(listener.requests.size() >= 3, "two tool rounds, then the answer");
        }
    }
}
