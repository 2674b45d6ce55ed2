package io.bitnettt.tt.roofline;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Decode tokens/s upper bound per card: 1 / max(memory time, compute time, op-dispatch floor).
 * An estimate from published peaks, not a measurement.
 */
public final class Roofline {

    /**
     * Device time per op of a replayed trace, the dispatch floor's unit: 6 us, the op-to-op gap that
     * tracing brings an LLM's decode below according to Tenstorrent's own LLM guide (tt-metal 622c6fb9,
     * tech_reports/LLMs/llms.md §4.5.5: "Typically tracing reduces the OP-to-OP gap below 6us"). It
     * leaves out each op's own kernel time, which the bandwidth term covers for the matmuls but not for
     * the small ops (see the README for what tt_transformers' published decode rates imply).
     */
    public static final double DEFAULT_OP_OVERHEAD_SECONDS = 6e-6;
    /** Where {@link #DEFAULT_OP_OVERHEAD_SECONDS} comes from, for reports. */
    public static final String DEFAULT_OP_OVERHEAD_SOURCE =
            "the traced op-to-op gap bound of tt-metal tech_reports/LLMs/llms.md §4.5.5 (\"below 6us\")";

    public enum Bound { MEMORY, COMPUTE, DISPATCH }

    /** One card's estimate; compute time is 0 when the card's TFLOPS or the token's FLOPs are unknown. */
    public record Estimate(CardSpec card, long bytesPerToken, double memorySeconds, double computeSeconds,
                           double dispatchSeconds, double tokensPerSecond, Bound bound) {
    }

    private final double opOverheadSeconds;

    public Roofline(double opOverheadSeconds) {
        if (!(opOverheadSeconds >= 0) || Double.isInfinite(opOverheadSeconds)) {
            throw new IllegalArgumentException("opOverheadSeconds must be finite and >= 0, got " + opOverheadSeconds);
        }
        this.opOverheadSeconds = opOverheadSeconds;
    }

    /** The per-op cost this roofline uses, in microseconds. */
    public double opOverheadMicros() {
        return opOverheadSeconds * 1e6;
    }

    public Estimate estimate(CardSpec card, DecodeCounts counts) {
        Objects.requireNonNull(card, "card");
        Objects.requireNonNull(counts, "counts");
        long bytes = counts.dramBytes();
        double memory = bytes / (card.dramGBps() * 1e9);
        // BitNet's matmuls run on bfloat16 activations against block-float weights; the BF16 peak is
        // the conservative one of the published figures.
        double compute = card.bf16Tflops().isPresent() && counts.matmulFlops() > 0
                ? counts.matmulFlops() / (card.bf16Tflops().getAsDouble() * 1e12) : 0.0;
        double dispatch = counts.ops() * opOverheadSeconds;
        double slowest = Math.max(memory, Math.max(compute, dispatch));
        if (!(slowest > 0)) {
            throw new IllegalArgumentException("DecodeCounts gives no cost at all (no bytes, FLOPs or ops): " + counts);
        }
        Bound bound = slowest == memory ? Bound.MEMORY : slowest == compute ? Bound.COMPUTE : Bound.DISPATCH;
        return new Estimate(card, bytes, memory, compute, dispatch, 1.0 / slowest, bound);
    }

    /** Markdown table of the estimates, titled as an estimate and stating the n300 assumption. */
    public String markdownTable(List<CardSpec> cards, DecodeCounts counts) {
        StringBuilder out = new StringBuilder();
        out.append("Decode roofline, estimate (not measured): tokens/s = 1 / max(DRAM bytes / bandwidth, ")
                .append("FLOPs / BF16 peak, ops x ").append(fmt(opOverheadSeconds * 1e6, 1))
                .append(" us per op). n300: one of its two chips, as a single-device decode uses.\n\n");
        out.append("| card | DRAM GB/s | bytes/token | est. tokens/s | bound |\n");
        out.append("|---|---:|---:|---:|---|\n");
        for (CardSpec card : cards) {
            Estimate e = estimate(card, counts);
            out.append("| ").append(card.name()).append(" | ").append(fmt(card.dramGBps(), 0)).append(" | ")
                    .append(e.bytesPerToken()).append(" | ").append(fmt(e.tokensPerSecond(), 1)).append(" | ")
                    .append(e.bound().name().toLowerCase(Locale.ROOT)).append(" |\n");
        }
        return out.toString();
    }

    private static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
