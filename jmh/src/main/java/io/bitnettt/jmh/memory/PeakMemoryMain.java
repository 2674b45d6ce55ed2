package io.bitnettt.jmh.memory;

import io.bitnettt.jmh.BenchJvm;
import io.bitnettt.jmh.engine.SyntheticModel;
import io.bitnettt.jmh.report.MachineInfo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Peak resident memory of the engine on the synthetic full-shape 2B-4T checkpoint (the one
 * {@code DecodeStepBenchmark} uses, {@code CheckpointWriter.writeRandom(…, 2025)}) with the Llama 3
 * tokenizer, loaded through {@code BitNetModel.load} on the cpu backend: one fresh JVM per context
 * length and sampling mode ({@link PeakMemoryProbe}), with the flags {@code bin/bitnet} uses. Prints a
 * Markdown table: the peak (VmHWM) after load and after the context is filled, and what is resident
 * then (anonymous memory, file pages and those of the model's own files, the Java heap committed). JMH has no metric for a process's peak memory, so
 * this is a plain program; {@code bin/bench-memory} runs it.
 *
 * <pre>
 * PeakMemoryMain --tokenizer FILE [--model DIR] [--contexts 128,4096] [--threads 1] [--decode 32]
 *                [--sampling greedy,full] [--kv-cache f32] [--java-opts "..."]
 * </pre>
 * {@code --model DIR} keeps the checkpoint there (written when DIR has no config.json) so runs on
 * two commits read the same files; without it a temporary folder is written and deleted.
 */
public final class PeakMemoryMain {
    /** The flags bin/bitnet starts the JVM with, besides the module and native-access ones (keep in step). */
    static final List<String> CLI_FLAGS = List.of("-XX:+UseParallelGC", "-XX:MaxNewSize=64m");

    private PeakMemoryMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
            }
            opt.put(args[i].substring(2), args[i + 1]);
        }
        Path tokenizer = Path.of(require(opt, "tokenizer"));
        if (!Files.isRegularFile(tokenizer)) {
            throw new IllegalArgumentException("--tokenizer " + tokenizer + " is not a file; run"
                    + " `npm ci --prefix tools/tokenizer-reference` for the Llama 3 tokenizer.json");
        }
        int[] contexts = ints(opt.getOrDefault("contexts", "128,4096"));
        int threads = Integer.parseInt(opt.getOrDefault("threads", "1"));
        int decode = Integer.parseInt(opt.getOrDefault("decode", "32"));
        List<String> samplings = List.of(opt.getOrDefault("sampling", "greedy,full").split(","));
        String kvCache = opt.getOrDefault("kv-cache", "f32");
        List<String> extra = opt.containsKey("java-opts") && !opt.get("java-opts").isBlank()
                ? List.of(opt.get("java-opts").trim().split("\\s+")) : List.of();

        boolean temporary = !opt.containsKey("model");
        Path dir = temporary ? SyntheticModel.write() : Path.of(opt.get("model"));
        try {
            if (!temporary && !Files.exists(dir.resolve("config.json"))) {
                Files.createDirectories(dir);
                SyntheticModel.writeInto(dir);
            }
            Files.copy(tokenizer, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
            String loadStart = loadAverage();
            List<String> rows = new ArrayList<>();
            for (int context : contexts) {
                for (String sampling : samplings) {
                    rows.add(run(dir, context, threads, decode, sampling, kvCache, extra));
                }
            }
            String loadEnd = loadAverage();
            StringBuilder sb = new StringBuilder();
            sb.append("Generated ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(" on ")
                    .append(MachineInfo.current().describe()).append("; load average (1/5/15 min) ")
                    .append(loadStart).append(" at start, ").append(loadEnd).append(" at end; ")
                    .append(threads).append(" thread(s), KV cache ").append(kvCache).append(", JVM flags ").append(String.join(" ", jvmFlags(extra)))
                    .append("\n\n");
            sb.append("| context | sampling | peak after load | peak after filling the context | anon | file pages (of the model's files) | Java heap committed | tokens (prompt + generated) |\n");
            sb.append("|---:|---|---:|---:|---:|---:|---:|---|\n");
            rows.forEach(r -> sb.append(r).append('\n'));
            System.out.print(sb);
            if (opt.containsKey("out")) {
                Files.writeString(Path.of(opt.get("out")), sb.toString());
            }
        } finally {
            if (temporary) {
                SyntheticModel.delete(dir);
            }
        }
    }

    private static String run(Path dir, int context, int threads, int decode, String sampling, String kvCache,
                              List<String> extra)
            throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmFlags(extra));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), PeakMemoryProbe.class.getName(),
                dir.toString(), String.valueOf(context), String.valueOf(threads), String.valueOf(decode), sampling, kvCache));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<String, Map<String, Long>> phases = new LinkedHashMap<>();
        String note = "";
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                System.out.println("  [" + context + " " + sampling + "] " + line);
                if (line.startsWith(PeakMemoryProbe.PREFIX)) {
                    String[] parts = line.split("\t");
                    Map<String, Long> values = new LinkedHashMap<>();
                    for (String kv : parts[2].trim().split(" ")) {
                        String[] pair = kv.split("=");
                        values.put(pair[0], Long.parseLong(pair[1]));
                    }
                    phases.put(parts[1], values);
                    if (parts.length > 3) {
                        note = parts[3];
                    }
                }
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || !phases.containsKey("generated")) {
            throw new IOException("the probe at context " + context + " (" + sampling + ") failed with exit " + rc
                    + ": " + String.join(" ", command));
        }
        Map<String, Long> loaded = phases.get("loaded");
        Map<String, Long> generated = phases.get("generated");
        return String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s (%s) | %s | %s |", context, sampling,
                gb(loaded.get("VmHWM")), gb(generated.get("VmHWM")), gb(generated.get("RssAnon")),
                gb(generated.get("RssFile")), gb(generated.getOrDefault("ModelFile", 0L)),
                gb(generated.get("HeapCommitted")), note);
    }

    private static List<String> jvmFlags(List<String> extra) {
        List<String> flags = new ArrayList<>(List.of(BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS));
        flags.addAll(CLI_FLAGS);
        flags.addAll(extra);
        return flags;
    }

    private static String gb(long kb) {
        return String.format(Locale.ROOT, "%.2f GB", kb * 1024 / 1e9);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return String.join(" ", Arrays.copyOf(f, 3));
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }

    private static String require(Map<String, String> opt, String key) {
        String v = opt.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + key);
        }
        return v;
    }
}
