package io.bitnettt.jmh.report;

import io.bitnettt.jmh.engine.DecodeStepBenchmark;
import io.bitnettt.jmh.ops.RmsNormBenchmark;
import io.bitnettt.jmh.ops.Shapes2B4T;
import io.bitnettt.model.ModelConfig;

import java.util.Locale;
import java.util.Optional;

/**
 * The work per op of each benchmark in this module, from its parameters and the 2B-4T config the
 * benchmarks use. Byte counts are fixed per op: ternary weights at 2 bits each (the packed model's
 * size, whatever layout a backend repacks into; the CPU lookup layout's 16 bits per 9 weights is
 * 8/9 of it), activations as F32,
 * bf16 tables at 2 bytes. A benchmark missing here still gets a row, without a natural unit.
 */
public final class Workloads {
    private static final double GIGA = 1e9;
    private static final int F32 = Float.BYTES;
    private static final int BF16 = 2;

    private final ModelConfig config;

    public Workloads(ModelConfig config) {
        this.config = config;
    }

    public static Workloads bitnet2B4T() {
        return new Workloads(ModelConfig.bitnet2B4T());
    }

    public Optional<Workload> of(JmhResult r) {
        return Optional.ofNullable(switch (r.simpleName()) {
            case "TernaryLinearBenchmark.linear" -> ternary(r);
            case "RmsNormBenchmark.rmsNorm" -> rmsNorm(r);
            case "AttentionDecodeBenchmark.attentionDecode" -> attention(r);
            case "OutputProjectionBenchmark.logits" -> logits(r);
            case "MemoryCopyBenchmark.copy" -> copy(r);
            case "DecodeStepBenchmark.decode" ->
                    Workload.rate("2B-4T, position " + DecodeStepBenchmark.PROMPT, 1, "tokens/s", modelWeightBytes());
            case "DecodeStepBenchmark.prefill128" -> Workload.rate(DecodeStepBenchmark.PROMPT + "-token prompt",
                    DecodeStepBenchmark.PROMPT, "tokens/s", 0);
            case "DecodeStepBenchmark.timeToFirstToken128" ->
                    Workload.time(DecodeStepBenchmark.PROMPT + "-token prompt", "s to first token");
            case "LoadBenchmark.open", "LoadBenchmark.openAndUpload" -> Workload.time(loadLabel(r), "s per load");
            case "TokenizerBenchmark.encode", "TokenizerBenchmark.decode" ->
                    new Workload("corpus " + r.param("corpus").orElse("?"), "utf8Bytes", 1e-6, "MB/s", false, 0);
            default -> null;
        });
    }

    /** The form, and the memory the load held when JMH reported it (secondary metrics of the run). */
    private static String loadLabel(JmhResult r) {
        String form = r.param("form").orElse("?");
        String label = "2B-4T " + (form.equals("gguf") ? "GGUF (I2_S)" : form) + " checkpoint";
        Metric rss = r.secondary().get("rssMB");
        Metric decoded = r.secondary().get("decodedMB");
        if (rss != null && decoded != null) {
            label += String.format(Locale.ROOT, ", %.0f MB decoded, RSS %.0f MB", decoded.score(), rss.score());
        }
        return label;
    }

    private Workload ternary(JmhResult r) {
        Shapes2B4T s = Shapes2B4T.named(r.requireParam("shape"));
        int tokens = r.intParam("tokens");
        long weights = s.weights(config);
        double bytes = weights / 4.0 + (double) F32 * tokens * (s.in(config) + (long) s.matrices() * s.out(config));
        String kind = tokens == 1 ? "GEMV" : "GEMM";
        int layers = r.param("layers").map(Integer::parseInt).orElse(1);
        // cycling distinct copies makes each call stream its weights from DRAM (see TernaryLinearBenchmark)
        String streamed = layers > 1
                ? String.format(Locale.ROOT, ", %d copies cycled (%.0f MB of weights)", layers, layers * weights / 4.0 / 1e6)
                : "";
        return Workload.rate(kind + " " + s.label(config) + ", " + tokens + (tokens == 1 ? " token" : " tokens") + streamed,
                (double) tokens * weights / GIGA, "Gweights/s", bytes);
    }

    private Workload rmsNorm(JmhResult r) {
        String width = r.requireParam("width");
        int n = RmsNormBenchmark.width(config, width);
        int tokens = r.intParam("tokens");
        double bytes = 2.0 * F32 * tokens * n + (double) F32 * n;
        return Workload.rate(width + " " + n + ", " + tokens + (tokens == 1 ? " token" : " tokens"),
                bytes / GIGA, "GB/s", bytes);
    }

    /**
     * K and V of every layer attended ({@code layers}, default 1) at the cache's size per token (an int8
     * cache adds an F32 scale per kv head to its codes), plus q and out.
     */
    private Workload attention(JmhResult r) {
        int context = r.intParam("context");
        String cache = r.param("kvCache").orElse("f32");
        long row = switch (cache) {
            case "f32" -> (long) F32 * config.kvDim();
            case "bf16" -> (long) BF16 * config.kvDim();
            case "int8" -> config.kvDim() + (long) F32 * config.numKeyValueHeads();
            default -> throw new IllegalArgumentException("JMH result " + r.simpleName() + ": parameter 'kvCache' is '"
                    + cache + "'; expected f32, bf16 or int8");
        };
        int layers = r.param("layers").isPresent() ? r.intParam("layers") : 1;
        double bytes = layers * (2.0 * context * row + 2.0 * F32 * config.hiddenSize());
        return Workload.rate("context " + context + ", " + config.numAttentionHeads() + "/" + config.numKeyValueHeads()
                + " heads × " + config.headDim() + ", " + cache + " cache" + (layers == 1 ? "" : ", " + layers + " layers"),
                bytes / GIGA, "GB/s", bytes);
    }

    private Workload logits(JmhResult r) {
        String table = r.param("table").orElse("bf16");
        double weights = (double) config.vocabSize() * config.hiddenSize();
        double bytes = switch (table) {
            case "bf16" -> BF16 * weights;
            // one byte per code plus one F32 scale per row
            case "int8" -> weights + (double) F32 * config.vocabSize();
            default -> throw new IllegalArgumentException("OutputProjectionBenchmark: unknown table " + table);
        } + (double) F32 * (config.hiddenSize() + config.vocabSize());
        return Workload.rate(table + " [" + config.vocabSize() + ", " + config.hiddenSize() + "], 1 token",
                bytes / GIGA, "GB/s", bytes);
    }

    private static Workload copy(JmhResult r) {
        int mib = r.intParam("mib");
        double bytes = 2.0 * mib * (1L << 20);
        return Workload.rate(mib + " MiB", bytes / GIGA, "GB/s (read+write)", bytes);
    }

    /**
     * Bytes a decode step must stream at least: every layer's ternary projections at 2 bits and the
     * tied bf16 output table (norms and the short KV cache are left out; they are under 1 %).
     */
    long modelWeightBytes() {
        long perLayer = 0;
        for (Shapes2B4T s : Shapes2B4T.values()) {
            // q stands for q and o, kv for k and v: both pairs have the same shape.
            perLayer += (s == Shapes2B4T.Q || s == Shapes2B4T.KV ? 2 : 1) * s.weights(config);
        }
        return (long) config.numHiddenLayers() * perLayer / 4 + (long) BF16 * config.vocabSize() * config.hiddenSize();
    }
}
