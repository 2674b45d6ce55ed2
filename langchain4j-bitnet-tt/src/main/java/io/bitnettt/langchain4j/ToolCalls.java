package io.bitnettt.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import io.bitnettt.generate.json.JsonText;
import io.bitnettt.generate.json.Schema;
import io.bitnettt.generate.json.SchemaNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * How BitNet calls tools. A call is one JSON object, {@code {"name":"<tool>","arguments":{...}}},
 * with the arguments following that tool's parameter schema; the decoder can write nothing else
 * once a call has begun. The tools are listed in the system turn (see {@link #instructions}), a
 * call in the history is an assistant turn holding that object, and a tool's result is a user turn
 * {@code Result of tool <name>: <text>} ({@code Error from tool <name>: <text>} when it failed).
 */
final class ToolCalls {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolCalls() {
    }

    /** The schema of one call of any of {@code tools}: the name picks the arguments' schema. */
    static Schema callSchema(List<ToolSpecification> tools) {
        List<SchemaNode> calls = new ArrayList<>();
        Map<String, SchemaNode> definitions = new LinkedHashMap<>();
        for (ToolSpecification tool : tools) {
            SchemaNode arguments;
            if (tool.parameters() == null) {
                arguments = new SchemaNode.ObjectValue(List.of(), null); // no parameters: {}
            } else {
                Schema params = SchemaMapping.schema(tool.parameters(), "the parameters of tool '" + tool.name() + "'",
                        "tool:" + tool.name() + ":");
                arguments = params.root();
                definitions.putAll(params.definitions());
            }
            calls.add(new SchemaNode.ObjectValue(List.of(
                    new SchemaNode.Property("name", new SchemaNode.Literals(List.of(JsonText.quote(tool.name()))), true),
                    new SchemaNode.Property("arguments", arguments, true)), null));
        }
        return new Schema(calls.size() == 1 ? calls.getFirst() : new SchemaNode.AnyOf(calls), definitions);
    }

    /** A call or a response following {@code response}: either may come when tools are optional. */
    static Schema callOrResponse(List<ToolSpecification> tools, Schema response) {
        Schema calls = callSchema(tools);
        Schema answer = response.withDefinitionPrefix("response:");
        Map<String, SchemaNode> definitions = new LinkedHashMap<>(calls.definitions());
        definitions.putAll(answer.definitions());
        List<SchemaNode> options = new ArrayList<>();
        if (calls.root() instanceof SchemaNode.AnyOf any) {
            options.addAll(any.options());
        } else {
            options.add(calls.root());
        }
        options.add(answer.root());
        return new Schema(new SchemaNode.AnyOf(options), definitions);
    }

    /** Rejects tool lists the decoder cannot tell apart. */
    static void check(List<ToolSpecification> tools) {
        Set<String> names = new HashSet<>();
        for (ToolSpecification tool : tools) {
            if (tool == null || tool.name() == null || tool.name().isEmpty()) {
                throw new IllegalArgumentException("every tool specification needs a non-empty name");
            }
            if (!names.add(tool.name())) {
                throw new IllegalArgumentException("two tool specifications are named '" + tool.name()
                        + "'; tool names must be unique");
            }
        }
    }

    /** What the system turn says about the tools: the call format, then one tool per line as JSON. */
    static String instructions(List<ToolSpecification> tools, boolean required) {
        StringBuilder sb = new StringBuilder();
        sb.append(required ? "You must call one of these tools." : "You can call these tools.")
                .append(" To call a tool, answer with only a JSON object {\"name\":\"<tool name>\",\"arguments\":{...}}")
                .append(" whose arguments follow the tool's parameters. The result comes back as a message")
                .append(" starting with \"Result of tool\".");
        if (!required) {
            sb.append(" To answer without a tool, write plain text.");
        }
        sb.append("\nTools:");
        for (ToolSpecification tool : tools) {
            sb.append('\n').append(describe(tool));
        }
        return sb.toString();
    }

    /** One tool as compact JSON: name, description and the parameters' JSON schema. */
    private static String describe(ToolSpecification tool) {
        try {
            JsonNode full = JSON.readTree(tool.toJson());
            ObjectNode out = JSON.createObjectNode();
            out.put("name", tool.name());
            if (full.hasNonNull("description")) {
                out.set("description", full.get("description"));
            }
            if (full.hasNonNull("parameters")) {
                out.set("parameters", full.get("parameters"));
            }
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write tool '" + tool.name() + "' as JSON", e);
        }
    }

    /** An assistant turn's text for a call in the history: the call object, arguments compacted. */
    static String render(ToolExecutionRequest request) {
        ObjectNode call = JSON.createObjectNode();
        call.put("name", request.name());
        String args = request.arguments();
        JsonNode arguments;
        try {
            arguments = args == null || args.isBlank() ? JSON.createObjectNode() : JSON.readTree(args);
        } catch (JsonProcessingException e) {
            arguments = JSON.getNodeFactory().textNode(args); // not JSON: kept as the text it is
        }
        call.set("arguments", arguments);
        try {
            return JSON.writeValueAsString(call);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A tool result as the user turn the model reads. */
    static String renderResult(String toolName, String text, boolean error) {
        return (error ? "Error from tool " : "Result of tool ") + toolName + ": " + (text == null ? "" : text);
    }

    /** The call in generated text, if the text is one: an object with a known name and object arguments. */
    static Optional<ToolExecutionRequest> parse(String text, List<ToolSpecification> tools) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
        if (node == null || !node.isObject() || node.size() != 2 || !node.path("name").isTextual()
                || !node.path("arguments").isObject()) {
            return Optional.empty();
        }
        String name = node.get("name").textValue();
        if (tools.stream().noneMatch(t -> t.name().equals(name))) {
            return Optional.empty();
        }
        try {
            return Optional.of(ToolExecutionRequest.builder()
                    .id("bitnet-call-" + UUID.randomUUID())
                    .name(name)
                    .arguments(JSON.writeValueAsString(node.get("arguments")))
                    .build());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
