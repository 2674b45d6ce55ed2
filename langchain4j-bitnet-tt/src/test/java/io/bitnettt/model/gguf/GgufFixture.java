package io.bitnettt.model.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/**
 * The third-party fixture of src/test/resources/fixtures/gguf: one tiny BitNet model as a Hugging
 * Face folder and as GGUF files made by bitnet.cpp's and llama.cpp's quantizers (README.md there).
 */
public final class GgufFixture {

    /** The ternary files, by the type of their projections. */
    public static final List<String> TERNARY = List.of("i2_s", "tq2_0", "tq1_0");
    public static final List<String> ALL = List.of("f16", "i2_s", "tq2_0", "tq1_0");

    private static JsonNode expected;
    private static JsonNode teacherForced;

    private GgufFixture() {
    }

    public static Path dir() {
        try {
            return Path.of(GgufFixture.class.getResource("/fixtures/gguf/expected.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path hf() {
        return dir().resolve("hf");
    }

    /** {@code tiny-<kind>.gguf}, kind one of {@link #ALL}. */
    public static Path gguf(String kind) {
        return dir().resolve("tiny-" + kind + ".gguf");
    }

    public static synchronized JsonNode expected() {
        if (expected == null) {
            expected = read("expected.json");
        }
        return expected;
    }

    /** HF transformers' fp32 logits along its own greedy path: row k picked generated token k. */
    public static synchronized JsonNode teacherForced() {
        if (teacherForced == null) {
            teacherForced = read("hf_teacher_forced_logits.json");
        }
        return teacherForced;
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    public static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static JsonNode read(String name) {
        try {
            return new ObjectMapper().readTree(dir().resolve(name).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
