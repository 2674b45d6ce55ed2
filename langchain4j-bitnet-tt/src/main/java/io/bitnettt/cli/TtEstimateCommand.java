package io.bitnettt.cli;

import io.bitnettt.engine.ModelDims;
import io.bitnettt.estimate.DecodeEstimateReport;
import io.bitnettt.estimate.EmulatorDecodeCounts;
import io.bitnettt.gguf.GgufFile;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.ModelConfigJson;
import io.bitnettt.model.gguf.GgufModelConfig;
import io.bitnettt.tt.roofline.Roofline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bitnet tt-estimate}: the decode tokens/s estimate per Tenstorrent card, from the counts of the
 * engine's real decode step at the model's full shapes, run through the TT-NN shim over the count-only
 * host double of TT-NN (see {@link EmulatorDecodeCounts}).
 */
@Command(name = "tt-estimate", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Estimated decode tokens/s per Tenstorrent card (an estimate from published card "
                + "specifications, not a measurement).",
                "Runs the engine's decode step through the TT-NN shim over the host double of TT-NN in "
                        + "count-only mode (nothing is stored or computed, so full shapes fit in a few GB) and prints "
                        + "the TT-NN ops, bytes and replays per token, a cross-check against the analytic model, and "
                        + "the estimated tokens/s per card."})
final class TtEstimateCommand implements Callable<Integer> {
    static final int DEFAULT_CONTEXT = 128;

    private final Console console;

    @Spec
    CommandSpec spec;

    @Option(names = "--context", paramLabel = "N",
            description = "tokens already in the KV cache when the measured tokens are decoded; repeatable "
                    + "(default: " + DEFAULT_CONTEXT + ")")
    List<Integer> contexts = new ArrayList<>();

    @Option(names = "--tokens", paramLabel = "N", defaultValue = "32",
            description = "tokens decoded and measured per context (default: ${DEFAULT-VALUE})")
    int tokens;

    @Option(names = "--warm-up", paramLabel = "N", defaultValue = "2",
            description = "decodes before measuring; the first captures the step (default: ${DEFAULT-VALUE})")
    int warmUp;

    @Option(names = "--model", paramLabel = "PATH",
            description = "take the shapes from PATH/config.json or from a GGUF file's metadata (no weights are "
                    + "read); default: microsoft/bitnet-b1.58-2B-4T")
    Path model;

    @Option(names = "--op-overhead-us", paramLabel = "X",
            description = "device time per op of a replay, in microseconds (default: 6.0, the traced op-to-op gap of "
                    + "tt-metal's LLM guide, tech_reports/LLMs/llms.md 4.5.5)")
    Double opOverheadUs;

    @Mixin
    LoggingOptions logging;

    TtEstimateCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        double overheadUs = opOverheadUs != null ? opOverheadUs : Roofline.DEFAULT_OP_OVERHEAD_SECONDS * 1e6;
        if (!(overheadUs >= 0 && Double.isFinite(overheadUs))) {
            throw new ParameterException(spec.commandLine(),
                    "--op-overhead-us must be a finite number of microseconds >= 0, was " + opOverheadUs);
        }
        if (tokens < 1) {
            throw new ParameterException(spec.commandLine(), "--tokens must be >= 1, was " + tokens);
        }
        if (warmUp < 1) {
            throw new ParameterException(spec.commandLine(), "--warm-up must be >= 1 (the first decode captures "
                    + "the step), was " + warmUp);
        }
        List<Integer> measured = contexts.isEmpty() ? List.of(DEFAULT_CONTEXT) : contexts;
        for (int c : measured) {
            if (c < 0) {
                throw new ParameterException(spec.commandLine(), "--context must be >= 0, was " + c);
            }
        }
        Roofline roofline = new Roofline(overheadUs * 1e-6);
        boolean gguf = model != null && GgufFile.isGguf(model);
        Path shapes = model == null || gguf ? model : model.resolve(ModelConfigJson.FILE_NAME);
        ModelConfig config = model == null ? ModelConfig.bitnet2B4T() : gguf ? GgufModelConfig.read(model)
                : ModelConfigJson.read(shapes);
        PrintStream out = console.out();
        out.println("## Tenstorrent decode estimate (TT-NN shim over the count-only host double + roofline; an estimate, "
                + "not a measurement)");
        out.println();
        out.println("Shapes: " + (model == null ? "microsoft/bitnet-b1.58-2B-4T" : shapes) + ": " + DecodeEstimateReport.describe(
                ModelDims.of(config, config.maxPositionEmbeddings())) + ".");
        out.println();
        DecodeEstimateReport report = new DecodeEstimateReport(roofline);
        for (int context : measured) {
            report.print(EmulatorDecodeCounts.measure(config, context, warmUp, tokens), out);
        }
        return 0;
    }
}
