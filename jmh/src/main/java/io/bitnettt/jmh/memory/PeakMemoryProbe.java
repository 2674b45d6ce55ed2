package io.bitnettt.jmh.memory;

import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.BitNetOptions;
import io.bitnettt.engine.GenerationResult;
import io.bitnettt.engine.KvCacheType;
import io.bitnettt.generate.SamplingParameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One measurement of {@link PeakMemoryMain}, in its own JVM so that the peak (VmHWM) is this run's:
 * loads the model through {@link BitNetModel#load} at a context length, fills the context with a
 * prompt and generated tokens, closes the model, and prints the process's memory after each phase
 * as {@code phase<TAB>name<TAB>key=kB ...} lines (Linux {@code /proc/self/status}; the heap from
 * {@link Runtime}).
 *
 * <p>{@code PeakMemoryProbe MODEL_DIR CONTEXT THREADS DECODE SAMPLING [KV_CACHE]}: the prompt is BOS plus
 * {@code CONTEXT - DECODE - 1} copies of one word ({@code " the"}, one token in the Llama 3
 * vocabulary), then {@code DECODE} tokens are generated; {@code SAMPLING} is {@code greedy} (the exact
 * screened output projection) or {@code full} (temperature 0.8 with neither top-k nor top-p, which
 * computes every logit and so reads the whole output table each token).
 */
public final class PeakMemoryProbe {
    static final String PREFIX = "phase\t";
    /** The first line of a mapping in /proc/self/smaps: {@code start-end perms offset dev inode path}. */
    private static final Pattern MAPPING = Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

    /** The model folder's real path: its mappings' resident pages are reported apart. */
    private static String modelDir = "";

    private PeakMemoryProbe() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5 && args.length != 6) {
            throw new IllegalArgumentException(
                    "usage: PeakMemoryProbe MODEL_DIR CONTEXT THREADS DECODE greedy|full [f32|bf16|int8]");
        }
        Path dir = Path.of(args[0]);
        int context = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        int decode = Integer.parseInt(args[3]);
        SamplingParameters params = switch (args[4]) {
            case "greedy" -> SamplingParameters.greedy().toBuilder().maxNewTokens(decode).build();
            case "full" -> SamplingParameters.builder().temperature(0.8).topK(0).topP(1.0).minP(0.0).seed(1L)
                    .maxNewTokens(decode).build();
            default -> throw new IllegalArgumentException("sampling must be greedy or full, was " + args[4]);
        };
        int words = context - decode - 1;
        if (words < 1) {
            throw new IllegalArgumentException("context " + context + " leaves no room for a prompt before "
                    + decode + " generated tokens");
        }
        modelDir = dir.toRealPath().toString();
        report("start", "");
        BitNetOptions options = BitNetOptions.of(dir).withBackend("cpu").withThreads(threads).withContextLength(context)
                .withKvCacheType(args.length == 6 ? KvCacheType.parse(args[5]) : KvCacheType.F32);
        String note;
        try (BitNetModel model = BitNetModel.load(options)) {
            report("loaded", "");
            String prompt = "the" + " the".repeat(words - 1);
            GenerationResult r = model.complete(prompt, params, s -> { }, () -> false);
            note = "prompt=" + r.stats().promptTokens() + " generated=" + r.stats().generatedTokens()
                    + String.format(Locale.ROOT, " decode_tps=%.2f", r.stats().decodeTokensPerSecond());
            report("generated", note);
        }
        report("closed", "");
    }

    private static void report(String phase, String note) throws IOException {
        Map<String, String> m = status();
        Runtime rt = Runtime.getRuntime();
        StringBuilder sb = new StringBuilder(PREFIX).append(phase).append('\t');
        for (String key : new String[] {"VmHWM", "VmRSS", "RssAnon", "RssFile"}) {
            sb.append(key).append('=').append(m.getOrDefault(key, "0")).append(' ');
        }
        sb.append("ModelFile=").append(modelFileResident()).append(' ');
        sb.append("HeapCommitted=").append(rt.totalMemory() / 1024).append(' ');
        sb.append("HeapUsed=").append((rt.totalMemory() - rt.freeMemory()) / 1024);
        if (!note.isEmpty()) {
            sb.append('\t').append(note);
        }
        System.out.println(sb);
        System.out.flush();
    }

    /**
     * kB of the model's files resident in this process (the {@code Rss} of their mappings in
     * /proc/self/smaps): the pages of a table read in place that tokens have touched. 0 where
     * there is no /proc.
     */
    static long modelFileResident() throws IOException {
        Path p = Path.of("/proc/self/smaps");
        if (!Files.exists(p)) {
            return 0;
        }
        long kb = 0;
        boolean inModel = false;
        for (String line : Files.readAllLines(p)) {
            if (MAPPING.matcher(line).lookingAt()) {
                inModel = !modelDir.isEmpty() && line.contains(" " + modelDir + "/");
            } else if (inModel && line.startsWith("Rss:")) {
                kb += Long.parseLong(line.substring(4, line.length() - 3).trim());
            }
        }
        return kb;
    }

    /** kB values of /proc/self/status by key; empty where there is no /proc. */
    static Map<String, String> status() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        Path p = Path.of("/proc/self/status");
        if (!Files.exists(p)) {
            return m;
        }
        for (String line : Files.readAllLines(p)) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.endsWith(" kB")) {
                m.put(line.substring(0, colon), line.substring(colon + 1, line.length() - 3).trim());
            }
        }
        return m;
    }
}
