package io.bitnettt.langchain4j;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import io.bitnettt.generate.TokenConstraint;
import io.bitnettt.generate.json.JsonDecoding;
import io.bitnettt.generate.json.JsonOrTextConstraint;
import io.bitnettt.generate.json.Schema;
import io.bitnettt.generate.json.UnsupportedSchemaException;

import java.util.List;

/**
 * What a request's answer may be, from its response format, tools and tool choice:
 * <ul>
 *   <li>{@link Kind#TEXT}: no JSON format and no tools (or tool choice NONE): free text.</li>
 *   <li>{@link Kind#JSON}: JSON response format, with its schema or any JSON value.</li>
 *   <li>{@link Kind#TOOL_CALL}: tool choice REQUIRED: exactly one call of one of the tools.</li>
 *   <li>{@link Kind#TOOL_CALL_OR_TEXT}: tools with tool choice AUTO (or unset): the first token
 *       decides. A first token that starts with {@code {} must begin a tool call and the rest is
 *       constrained to one; any other first token makes the answer free text
 *       ({@link JsonOrTextConstraint}).</li>
 *   <li>{@link Kind#TOOL_CALL_OR_JSON}: tools with AUTO and a JSON response format: a document that
 *       is either a call or the response; a call is recognised by its shape (only
 *       {@code name}, one of the tools, and {@code arguments}).</li>
 * </ul>
 */
record OutputPlan(Kind kind, Schema schema, List<ToolSpecification> tools) {
    enum Kind { TEXT, JSON, TOOL_CALL, TOOL_CALL_OR_TEXT, TOOL_CALL_OR_JSON }

    static final OutputPlan TEXT = new OutputPlan(Kind.TEXT, null, List.of());

    /**
     * @throws UnsupportedFeatureException when a schema uses a feature the decoder cannot enforce
     */
    static OutputPlan of(ChatRequestParameters p) {
        List<ToolSpecification> tools = p.toolSpecifications() == null || p.toolChoice() == ToolChoice.NONE
                ? List.of() : List.copyOf(p.toolSpecifications());
        boolean json = p.responseFormat() != null && p.responseFormat().type() == ResponseFormatType.JSON;
        Schema response = !json ? null
                : p.responseFormat().jsonSchema() == null ? Schema.ANY_JSON
                : SchemaMapping.schema(p.responseFormat().jsonSchema());
        if (tools.isEmpty()) {
            return json ? new OutputPlan(Kind.JSON, response, tools) : TEXT;
        }
        if (p.toolChoice() == ToolChoice.REQUIRED) {
            return new OutputPlan(Kind.TOOL_CALL, ToolCalls.callSchema(tools), tools);
        }
        return json ? new OutputPlan(Kind.TOOL_CALL_OR_JSON, ToolCalls.callOrResponse(tools, response), tools)
                : new OutputPlan(Kind.TOOL_CALL_OR_TEXT, ToolCalls.callSchema(tools), tools);
    }

    boolean offersTools() {
        return !tools.isEmpty();
    }

    /** Compiles the schema now, so that a schema the decoder refuses fails before any compute. */
    void compile(JsonDecoding decoding) {
        if (schema == null) {
            return;
        }
        try {
            decoding.automaton(schema);
        } catch (UnsupportedSchemaException e) {
            throw unsupported(e.getMessage(), e);
        }
    }

    /** LangChain4j's exception for an unsupported feature, keeping the decoder's as its cause. */
    static UnsupportedFeatureException unsupported(String message, UnsupportedSchemaException cause) {
        UnsupportedFeatureException e = new UnsupportedFeatureException(message);
        e.initCause(cause);
        return e;
    }

    TokenConstraint constraint(JsonDecoding decoding) {
        return switch (kind) {
            case TEXT -> TokenConstraint.NONE;
            case JSON, TOOL_CALL, TOOL_CALL_OR_JSON -> decoding.constraint(schema);
            case TOOL_CALL_OR_TEXT -> decoding.documentOrText(schema);
        };
    }

    /** Whether the answer generated under {@code constraint} can be a tool call. */
    boolean mayBeCall(TokenConstraint constraint) {
        return switch (kind) {
            case TEXT, JSON -> false;
            case TOOL_CALL, TOOL_CALL_OR_JSON -> true;
            case TOOL_CALL_OR_TEXT -> ((JsonOrTextConstraint) constraint).choseJson();
        };
    }

    /** Whether text generated under {@code constraint} may be streamed: a tool call is not text. */
    boolean showsText(TokenConstraint constraint) {
        return switch (kind) {
            case TEXT, JSON -> true;
            case TOOL_CALL, TOOL_CALL_OR_JSON -> false;
            case TOOL_CALL_OR_TEXT -> !((JsonOrTextConstraint) constraint).choseJson();
        };
    }
}
