package io.bitnettt.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * How the next token is chosen and when generation ends. Immutable; build with {@link #builder()}.
 *
 * <p>Semantics follow llama.cpp so that settings carry over from it unchanged:
 * <ul>
 *   <li>{@code temperature} 0 means greedy (argmax); otherwise logits are divided by it just before sampling.</li>
 *   <li>{@code topK} 0 disables top-k; {@code topP} 1 disables top-p; {@code minP} 0 disables min-p.</li>
 *   <li>{@code repetitionPenalty} 1 disables it; positive logits of recently seen tokens are divided by it and
 *       negative ones multiplied, once per distinct token in the last {@code penaltyLastN} tokens.</li>
 *   <li>{@code frequencyPenalty}/{@code presencePenalty} 0 disable them; a token seen {@code c} times in the same
 *       window loses {@code c * frequencyPenalty + (c > 0 ? presencePenalty : 0)}.</li>
 *   <li>{@code penaltyLastN} 0 disables all three penalties; -1 means the whole history passed to the sampler.</li>
 *   <li>{@code seed} null means a fresh random seed per {@link Sampler}.</li>
 * </ul>
 */
public final class SamplingParameters {

    public static final double DEFAULT_TEMPERATURE = 0.8;
    public static final int DEFAULT_TOP_K = 40;
    public static final double DEFAULT_TOP_P = 0.95;
    public static final double DEFAULT_MIN_P = 0.05;
    public static final double DEFAULT_REPETITION_PENALTY = 1.0;
    public static final int DEFAULT_PENALTY_LAST_N = 64;
    public static final int DEFAULT_MAX_NEW_TOKENS = 512;

    private final double temperature;
    private final int topK;
    private final double topP;
    private final double minP;
    private final double repetitionPenalty;
    private final int penaltyLastN;
    private final double frequencyPenalty;
    private final double presencePenalty;
    private final Long seed;
    private final int maxNewTokens;
    private final List<String> stopStrings;

    private SamplingParameters(Builder b) {
        temperature = check("temperature", b.temperature, b.temperature >= 0 && Double.isFinite(b.temperature),
                "[0, +inf) (0 = greedy)");
        topK = checkInt("topK", b.topK, b.topK >= 0, "[0, +inf) (0 = disabled)");
        topP = check("topP", b.topP, b.topP > 0 && b.topP <= 1, "(0, 1] (1 = disabled)");
        minP = check("minP", b.minP, b.minP >= 0 && b.minP < 1, "[0, 1) (0 = disabled)");
        repetitionPenalty = check("repetitionPenalty", b.repetitionPenalty,
                b.repetitionPenalty > 0 && Double.isFinite(b.repetitionPenalty), "(0, +inf) (1 = disabled)");
        penaltyLastN = checkInt("penaltyLastN", b.penaltyLastN, b.penaltyLastN >= -1,
                "[-1, +inf) (-1 = whole history, 0 = disabled)");
        frequencyPenalty = check("frequencyPenalty", b.frequencyPenalty, Double.isFinite(b.frequencyPenalty),
                "finite values (0 = disabled)");
        presencePenalty = check("presencePenalty", b.presencePenalty, Double.isFinite(b.presencePenalty),
                "finite values (0 = disabled)");
        maxNewTokens = checkInt("maxNewTokens", b.maxNewTokens, b.maxNewTokens >= 1, "[1, +inf)");
        if (b.stopStrings == null || b.stopStrings.stream().anyMatch(x -> x == null || x.isEmpty())) {
            throw new SamplingParameterException("stopStrings", "a list of non-empty strings", b.stopStrings);
        }
        stopStrings = List.copyOf(b.stopStrings);
        seed = b.seed;
    }

    private static double check(String name, double value, boolean ok, String range) {
        if (!ok) {
            throw new SamplingParameterException(name, allowed(range), value);
        }
        return value;
    }

    private static int checkInt(String name, int value, boolean ok, String range) {
        if (!ok) {
            throw new SamplingParameterException(name, allowed(range), value);
        }
        return value;
    }

    /** "in [0, 1)" for an interval, the words themselves otherwise ("finite values"). */
    private static String allowed(String range) {
        return range.startsWith("[") || range.startsWith("(") ? "in " + range : range;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: llama.cpp's sampling defaults with penalties off. */
    public static SamplingParameters defaults() {
        return builder().build();
    }

    /** Deterministic argmax decoding; filters are irrelevant at temperature 0 and left at their defaults. */
    public static SamplingParameters greedy() {
        return builder().temperature(0).build();
    }

    public Builder toBuilder() {
        return new Builder()
                .temperature(temperature).topK(topK).topP(topP).minP(minP)
                .repetitionPenalty(repetitionPenalty).penaltyLastN(penaltyLastN)
                .frequencyPenalty(frequencyPenalty).presencePenalty(presencePenalty)
                .seed(seed).maxNewTokens(maxNewTokens).stopStrings(stopStrings);
    }

    public double temperature() { return temperature; }
    public int topK() { return topK; }
    public double topP() { return topP; }
    public double minP() { return minP; }
    public double repetitionPenalty() { return repetitionPenalty; }
    public int penaltyLastN() { return penaltyLastN; }
    public double frequencyPenalty() { return frequencyPenalty; }
    public double presencePenalty() { return presencePenalty; }
    /** The seed, or null when each {@link Sampler} should pick a random one. */
    public Long seed() { return seed; }
    public int maxNewTokens() { return maxNewTokens; }
    public List<String> stopStrings() { return stopStrings; }

    public boolean isGreedy() {
        return temperature == 0;
    }

    /** True when at least one of the three history penalties changes logits. */
    public boolean hasPenalties() {
        return penaltyLastN != 0
                && (repetitionPenalty != 1.0 || frequencyPenalty != 0.0 || presencePenalty != 0.0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SamplingParameters p
                && Double.compare(temperature, p.temperature) == 0 && topK == p.topK
                && Double.compare(topP, p.topP) == 0 && Double.compare(minP, p.minP) == 0
                && Double.compare(repetitionPenalty, p.repetitionPenalty) == 0 && penaltyLastN == p.penaltyLastN
                && Double.compare(frequencyPenalty, p.frequencyPenalty) == 0
                && Double.compare(presencePenalty, p.presencePenalty) == 0
                && Objects.equals(seed, p.seed) && maxNewTokens == p.maxNewTokens
                && stopStrings.equals(p.stopStrings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(temperature, topK, topP, minP, repetitionPenalty, penaltyLastN,
                frequencyPenalty, presencePenalty, seed, maxNewTokens, stopStrings);
    }

    @Override
    public String toString() {
        return "SamplingParameters[temperature=" + temperature + ", topK=" + topK + ", topP=" + topP
                + ", minP=" + minP + ", repetitionPenalty=" + repetitionPenalty + ", penaltyLastN=" + penaltyLastN
                + ", frequencyPenalty=" + frequencyPenalty + ", presencePenalty=" + presencePenalty
                + ", seed=" + seed + ", maxNewTokens=" + maxNewTokens + ", stopStrings=" + stopStrings + "]";
    }

    /** Mutable builder; {@link #build()} validates every value and names the first bad one. */
    public static final class Builder {
        private double temperature = DEFAULT_TEMPERATURE;
        private int topK = DEFAULT_TOP_K;
        private double topP = DEFAULT_TOP_P;
        private double minP = DEFAULT_MIN_P;
        private double repetitionPenalty = DEFAULT_REPETITION_PENALTY;
        private int penaltyLastN = DEFAULT_PENALTY_LAST_N;
        private double frequencyPenalty;
        private double presencePenalty;
        private Long seed;
        private int maxNewTokens = DEFAULT_MAX_NEW_TOKENS;
        private List<String> stopStrings = List.of();

        private Builder() {
        }

        public Builder temperature(double v) { temperature = v; return this; }
        public Builder topK(int v) { topK = v; return this; }
        public Builder topP(double v) { topP = v; return this; }
        public Builder minP(double v) { minP = v; return this; }
        public Builder repetitionPenalty(double v) { repetitionPenalty = v; return this; }
        public Builder penaltyLastN(int v) { penaltyLastN = v; return this; }
        public Builder frequencyPenalty(double v) { frequencyPenalty = v; return this; }
        public Builder presencePenalty(double v) { presencePenalty = v; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }

        public Builder stopStrings(List<String> v) {
            // Copied defensively but checked in build() so the error names the parameter.
            stopStrings = v == null ? null : new ArrayList<>(v);
            return this;
        }

        public Builder stopStrings(String... v) {
            return stopStrings(Arrays.asList(v));
        }

        public SamplingParameters build() {
            return new SamplingParameters(this);
        }
    }
}
