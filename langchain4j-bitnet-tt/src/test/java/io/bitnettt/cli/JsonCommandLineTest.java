package io.bitnettt.cli;

import io.bitnettt.generate.json.IndependentValidator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** {@code bitnet generate --json} and {@code --json-schema FILE} on the demo model. */
class JsonCommandLineTest {
    @TempDir
    static Path cache;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    static final String PERSON = """
            {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},\
            "tags":{"type":"array","items":{"enum":["a","b"]}}},"required":["name","age","tags"],\
            "additionalProperties":false}""";

    @BeforeAll
    static void writeDemoOnce() {
        io.bitnettt.demo.DemoModel.ensure(cache);
    }

    private int run(String... args) {
        String[] all = Stream.concat(Stream.of(args), Stream.of("--demo-cache", cache.toString())).toArray(String[]::new);
        return Main.run(all, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonPrintsOneDocumentAloneWithoutThePrompt() {
        assertEquals(0, run("generate", "--json", "--greedy", "--max-tokens", "40", "--threads", "2", "The engine reads"),
                err());
        List<String> lines = out().lines().toList();
        assertEquals(1, lines.size(), out());
        assertFalse(lines.getFirst().startsWith("The engine"), out());
        assertEquals(List.of(), IndependentValidator.of("{}").problems(lines.getFirst()));
    }

    @Test
    void jsonSchemaFollowsTheSchemaInTheFile() throws IOException {
        Path schema = cache.resolve("person.json");
        Files.writeString(schema, PERSON);
        for (String seed : List.of("1", "2", "3")) {
            out.reset();
            assertEquals(0, run("generate", "--json-schema", schema.toString(), "--temperature", "1", "--seed", seed,
                    "--max-tokens", "60", "--threads", "2", "A person:"), err());
            assertEquals(List.of(), IndependentValidator.of(PERSON).problems(out().strip()), out());
        }
    }

    @Test
    void schemaProblemsAreUsageErrorsBeforeTheModelLoads() throws IOException {
        Path pattern = cache.resolve("pattern.json");
        Files.writeString(pattern, "{\"type\":\"string\",\"pattern\":\"^[a-z]+$\"}");
        assertEquals(2, run("generate", "--json-schema", pattern.toString(), "hi"));
        assertTrue(err().contains("bitnet generate: --json-schema " + pattern + ": JSON schema keyword 'pattern' at #"),
                err());
        assertFalse(err().contains("[demo]"), "no model was loaded: " + err());

        err.reset();
        assertEquals(2, run("generate", "--json-schema", cache.resolve("missing.json").toString(), "hi"));
        assertTrue(err().contains("--json-schema " + cache.resolve("missing.json") + ": cannot read it (NoSuchFileException"),
                err());

        err.reset();
        Path unsatisfiable = cache.resolve("loop.json");
        Files.writeString(unsatisfiable, "{\"$defs\":{\"n\":{\"type\":\"object\",\"properties\":{\"n\":{\"$ref\":"
                + "\"#/$defs/n\"}},\"required\":[\"n\"]}},\"$ref\":\"#/$defs/n\"}");
        assertEquals(2, run("generate", "--json-schema", unsatisfiable.toString(), "hi"));
        assertTrue(err().contains("the schema admits no finite JSON document"), err());

        err.reset();
        assertEquals(2, run("generate", "--json", "--json-schema", pattern.toString(), "hi"));
        assertTrue(err().contains("--json and --json-schema exclude each other"), err());
    }
}
