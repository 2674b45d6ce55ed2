package io.bitnettt.cli;

import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.GenerationResult;
import io.bitnettt.generate.FinishReason;
import io.bitnettt.generate.GenerationStats;
import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.generate.TokenConstraint;
import io.bitnettt.generate.json.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bitnet generate [options] PROMPT}: one completion, streamed to standard output after the
 * prompt (with {@code --json} or {@code --json-schema}: one JSON document, alone). Ctrl-C stops it
 * within a token and the command exits with 130.
 */
@Command(name = "generate", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Complete a prompt and stream the text to standard output (no --model: the built-in demo model).")
final class GenerateCommand implements Callable<Integer> {
    private final Console console;

    @Parameters(arity = "1..*", paramLabel = "PROMPT", description = "the text to continue; several words are joined with spaces")
    List<String> prompt;

    @Mixin
    ModelOptions model;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    JsonOutputOptions json;

    @Option(names = "--stats", description = "print token counts, time to first token and decode speed to standard error")
    boolean stats;

    @Mixin
    LoggingOptions logging;

    GenerateCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        SamplingParameters params = sampling.parameters();
        Schema schema = json.schema();
        String text = String.join(" ", prompt);
        PrintStream out = console.out();
        AnswerInterrupts interrupts = new AnswerInterrupts(null);
        try (BitNetModel m = model.load(console);
             Interrupts.Registration ctrlC = console.interrupts().handle(interrupts::onInterrupt)) {
            TokenConstraint constraint = schema == null ? TokenConstraint.NONE : m.jsonDecoding().constraint(schema);
            interrupts.startAnswer();
            if (schema == null) {
                out.print(text); // JSON is printed alone, so that it can be piped on
            }
            GenerationResult r = m.complete(text, params, constraint, piece -> {
                out.print(piece);
                out.flush();
            }, interrupts::stopRequested);
            interrupts.endAnswer();
            out.println();
            out.flush();
            if (stats) {
                printStats(console.err(), m, r);
            }
            return r.finishReason() == FinishReason.CANCELLED ? SignalInterrupts.EXIT_STATUS : 0;
        }
    }

    static void printStats(PrintStream err, BitNetModel model, GenerationResult r) {
        GenerationStats s = r.stats();
        err.printf("[%s] finish=%s prompt=%d (reused %d) generated=%d ttft=%.1f ms decode=%.2f tok/s%n",
                model.backendName(), r.finishReason(), s.promptTokens(), s.reusedPrefixTokens(), s.generatedTokens(),
                s.timeToFirstTokenNanos() / 1e6, s.decodeTokensPerSecond());
    }
}
