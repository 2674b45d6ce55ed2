package io.bitnettt.cli;

import io.bitnettt.engine.ModelDims;
import io.bitnettt.estimate.DecodeEstimateReport;
import io.bitnettt.estimate.EmulatorDecodeCounts;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.ModelConfigJson;
import io.bitnettt.tt.roofline.Roofline;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code bitnet tt-estimate}: the decode tokens/s estimate per Tenstorrent card, from the emulator's
 * counts of the engine's real decode step at the model's full shapes (see {@link EmulatorDecodeCounts}).
 */
final class TtEstimateCommand {
    static final int DEFAULT_CONTEXT = 128;
    static final int DEFAULT_TOKENS = 32;
    static final int DEFAULT_WARM_UP = 2;

    static final String USAGE = """
            usage: bitnet tt-estimate [--context N]... [--tokens N] [--warm-up N] [--model DIR] [--op-overhead-us X]
              --context N        tokens already in the KV cache (prefilled) when the measured tokens are
                                 decoded; repeatable (default %d)
              --tokens N         tokens decoded and measured per context (default %d)
              --warm-up N        decodes before measuring; the first captures the step (default %d)
              --model DIR        take the shapes from DIR/config.json (only that file is read);
                                 default: microsoft/bitnet-b1.58-2B-4T
              --op-overhead-us X assumed device time per op of a replay (default %.1f)
            Runs the engine's decode step on the Tenstorrent emulator in count-only mode (nothing is
            stored or computed, so full shapes fit in a few GB) and prints the counts per token, a
            cross-check against the analytic model, and the estimated tokens/s per card. An estimate
            from published card specifications, not a measurement."""
            .formatted(DEFAULT_CONTEXT, DEFAULT_TOKENS, DEFAULT_WARM_UP, Roofline.DEFAULT_OP_OVERHEAD_SECONDS * 1e6);

    private TtEstimateCommand() {
    }

    static int run(List<String> argv, PrintStream out) {
        CliArgs args = new CliArgs(argv, Set.of("context", "tokens", "warm-up", "model", "op-overhead-us"), Set.of());
        if (!args.positional().isEmpty()) {
            throw new CliArgs.UsageException("tt-estimate takes no positional arguments, got " + args.positional());
        }
        List<Integer> contexts = new ArrayList<>();
        for (String c : args.all("context")) {
            try {
                contexts.add(Integer.parseInt(c.trim()));
            } catch (NumberFormatException e) {
                throw new CliArgs.UsageException("option --context expects an integer, got '" + c + "'");
            }
        }
        if (contexts.isEmpty()) {
            contexts.add(DEFAULT_CONTEXT);
        }
        int tokens = args.integer("tokens", DEFAULT_TOKENS);
        int warmUp = args.integer("warm-up", DEFAULT_WARM_UP);
        double overheadUs = args.number("op-overhead-us", Roofline.DEFAULT_OP_OVERHEAD_SECONDS * 1e6);
        Roofline roofline;
        try {
            roofline = new Roofline(overheadUs * 1e-6);
        } catch (IllegalArgumentException e) {
            throw new CliArgs.UsageException("--op-overhead-us: " + e.getMessage());
        }
        String model = args.string("model", null);
        ModelConfig config = model == null ? ModelConfig.bitnet2B4T()
                : ModelConfigJson.read(Path.of(model).resolve(ModelConfigJson.FILE_NAME));
        out.println("## Tenstorrent decode estimate (count-only emulator + roofline; an estimate, not a measurement)");
        out.println();
        out.println("Shapes: " + (model == null ? "microsoft/bitnet-b1.58-2B-4T" : Path.of(model).resolve(
                ModelConfigJson.FILE_NAME)) + ": " + DecodeEstimateReport.describe(
                ModelDims.of(config, config.maxPositionEmbeddings())) + ".");
        out.println();
        DecodeEstimateReport report = new DecodeEstimateReport(roofline);
        for (int context : contexts) {
            report.print(EmulatorDecodeCounts.measure(config, context, warmUp, tokens), out);
        }
        return 0;
    }
}
