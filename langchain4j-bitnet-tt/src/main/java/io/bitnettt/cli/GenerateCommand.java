package io.bitnettt.cli;

import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.GenerationResult;
import io.bitnettt.generate.GenerationStats;
import io.bitnettt.generate.SamplingParameters;

import java.io.PrintStream;
import java.util.List;

/** {@code bitnet generate [options] "prompt"}: one completion, streamed to standard output. */
final class GenerateCommand {
    static final String USAGE = "usage: bitnet generate [options] \"prompt\"\n" + ModelArgs.HELP;

    private GenerateCommand() {
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) {
        CliArgs args = new CliArgs(argv, ModelArgs.VALUED, ModelArgs.SWITCHES);
        if (args.positional().isEmpty()) {
            throw new CliArgs.UsageException("generate needs a prompt");
        }
        String prompt = String.join(" ", args.positional());
        SamplingParameters sampling = ModelArgs.sampling(args);
        try (BitNetModel model = ModelArgs.load(args, out)) {
            out.print(prompt);
            GenerationResult r = model.complete(prompt, sampling, piece -> {
                out.print(piece);
                out.flush();
            }, () -> false);
            out.println();
            if (args.has("stats")) {
                printStats(err, model, r);
            }
        }
        return 0;
    }

    static void printStats(PrintStream err, BitNetModel model, GenerationResult r) {
        GenerationStats s = r.stats();
        err.printf("[%s] finish=%s prompt=%d (reused %d) generated=%d ttft=%.1f ms decode=%.2f tok/s%n",
                model.backendName(), r.finishReason(), s.promptTokens(), s.reusedPrefixTokens(), s.generatedTokens(),
                s.timeToFirstTokenNanos() / 1e6, s.decodeTokensPerSecond());
    }
}
