package io.bitnettt.cli;

import io.bitnettt.generate.json.GrammarCompiler;
import io.bitnettt.generate.json.JsonSchemaReader;
import io.bitnettt.generate.json.Schema;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --json} and {@code --json-schema FILE}: the answer is one JSON document, enforced by
 * constrained decoding, and printed alone (no echo of the prompt) so it can be piped on.
 */
final class JsonOutputOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--json", description = "answer with one compact JSON value of any kind, printed alone")
    boolean json;

    @Option(names = "--json-schema", paramLabel = "FILE",
            description = "answer with one compact JSON document following the JSON Schema in FILE, printed alone")
    Path schemaFile;

    /**
     * The schema asked for, null for plain text; read and checked before any model is loaded, so a
     * missing file or an unsupported feature is a usage error naming the option.
     */
    Schema schema() {
        if (json && schemaFile != null) {
            throw new ParameterException(spec.commandLine(), "--json and --json-schema exclude each other: "
                    + "--json-schema FILE already asks for JSON");
        }
        if (schemaFile == null) {
            return json ? Schema.ANY_JSON : null;
        }
        String text;
        try {
            text = Files.readString(schemaFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--json-schema " + schemaFile + ": cannot read it ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        try {
            Schema schema = JsonSchemaReader.read(text);
            GrammarCompiler.check(schema);
            return schema;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--json-schema " + schemaFile + ": " + e.getMessage());
        }
    }
}
