package io.bitnettt.cli;

import io.bitnettt.generate.SamplingParameterException;
import io.bitnettt.generate.SamplingParameters;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** How tokens are sampled and when an answer ends; llama.cpp's option names and meanings. */
final class SamplingOptions {
    /** The engine's parameter names as the user typed them. */
    private static final Map<String, String> OPTION_OF = Map.ofEntries(
            Map.entry("temperature", "--temperature"), Map.entry("topK", "--top-k"), Map.entry("topP", "--top-p"),
            Map.entry("minP", "--min-p"), Map.entry("repetitionPenalty", "--repeat-penalty"),
            Map.entry("penaltyLastN", "--repeat-last-n"), Map.entry("frequencyPenalty", "--frequency-penalty"),
            Map.entry("presencePenalty", "--presence-penalty"), Map.entry("maxNewTokens", "--max-tokens"),
            Map.entry("stopStrings", "--stop"));

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256",
            description = "new tokens at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8",
            description = "0 = greedy (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--greedy", description = "always take the most likely token (same as --temperature 0)")
    boolean greedy;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "1 = off (default: ${DEFAULT-VALUE})")
    double topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "0 = off (default: ${DEFAULT-VALUE})")
    double minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0",
            description = "1 = off (default: ${DEFAULT-VALUE})")
    double repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", defaultValue = "64",
            description = "tokens the penalties look back at; -1 = all, 0 = penalties off (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = "--frequency-penalty", paramLabel = "F", defaultValue = "0", description = "0 = off (default)")
    double frequencyPenalty;

    @Option(names = "--presence-penalty", paramLabel = "P", defaultValue = "0", description = "0 = off (default)")
    double presencePenalty;

    @Option(names = "--seed", paramLabel = "S", description = "seed of the sampler, for answers that repeat")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop string, never printed (repeatable)")
    List<String> stop = new ArrayList<>();

    /** The settings, or a usage error naming the option as typed and its allowed range. */
    SamplingParameters parameters() {
        try {
            return SamplingParameters.builder()
                    .maxNewTokens(maxTokens).temperature(greedy ? 0 : temperature).topK(topK).topP(topP).minP(minP)
                    .repetitionPenalty(repeatPenalty).penaltyLastN(repeatLastN)
                    .frequencyPenalty(frequencyPenalty).presencePenalty(presencePenalty)
                    .seed(seed).stopStrings(stop).build();
        } catch (SamplingParameterException e) {
            String option = OPTION_OF.getOrDefault(e.parameter(), e.parameter());
            throw new ParameterException(spec.commandLine(), option + " must be " + e.allowed() + ", was " + e.value());
        }
    }
}
