package io.bitnettt.generate.json;

import io.bitnettt.tokenizer.BpeTokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * JSON-constrained decoding for one model: its vocabulary as a {@link TokenTrie} (walked once per
 * automaton state, never per token) and the automata of recently used schemas with their cached
 * masks, so a service that asks for the same schema again pays nothing to build them.
 *
 * <p>Compiling a schema is thread-safe and happens before any compute; the constraints it hands
 * out must be used by one generation at a time (the engine's request lock ensures it).
 */
public final class JsonDecoding {
    /** Schemas whose automata are kept; the least recently used one goes first. */
    static final int CACHED_SCHEMAS = 32;

    private final TokenTrie trie;
    private final int endToken;
    private final MaskScratch scratch;
    private final Map<Schema, JsonAutomaton> automata = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Schema, JsonAutomaton> eldest) {
            return size() > CACHED_SCHEMAS;
        }
    };

    public JsonDecoding(TokenTrie trie, int endToken) {
        this.trie = trie;
        this.endToken = endToken;
        this.scratch = new MaskScratch(trie);
    }

    /**
     * @param logitsSize how many ids the model's logits cover
     * @param endToken   the token that ends a document (end of turn); never part of one
     */
    public static JsonDecoding of(BpeTokenizer tokenizer, int logitsSize, int endToken) {
        return new JsonDecoding(TokenTrie.of(tokenizer, logitsSize, endToken), endToken);
    }

    public TokenTrie trie() {
        return trie;
    }

    /**
     * The automaton of {@code schema}, compiled on first use.
     *
     * @throws UnsupportedSchemaException when the schema cannot be compiled
     */
    public synchronized JsonAutomaton automaton(Schema schema) {
        JsonAutomaton a = automata.get(schema);
        if (a == null) {
            a = new JsonAutomaton(GrammarCompiler.compile(schema), trie, endToken, scratch);
            automata.put(schema, a);
        }
        return a;
    }

    /** A constraint to exactly one document following {@code schema}. */
    public JsonConstraint constraint(Schema schema) {
        return new JsonConstraint(automaton(schema));
    }

    /** A constraint to either one document following {@code schema} or free text, as the first token decides. */
    public JsonOrTextConstraint documentOrText(Schema schema) {
        return new JsonOrTextConstraint(automaton(schema));
    }
}
