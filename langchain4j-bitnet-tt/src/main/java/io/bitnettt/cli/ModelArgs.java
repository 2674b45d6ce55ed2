package io.bitnettt.cli;

import io.bitnettt.demo.DemoModel;
import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.BitNetOptions;
import io.bitnettt.generate.SamplingParameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** The options shared by {@code generate} and {@code chat}: which model, where, and how to sample. */
final class ModelArgs {
    static final Set<String> VALUED = Set.of("model", "backend", "threads", "ctx", "max-tokens", "temperature",
            "top-k", "top-p", "min-p", "repeat-penalty", "repeat-last-n", "frequency-penalty", "presence-penalty",
            "seed", "stop", "system", "demo-cache");
    static final Set<String> SWITCHES = Set.of("stats", "greedy", "int8-output");

    static final String HELP = """
              --model DIR            Hugging Face model folder (default: the built-in demo model)
              --backend NAME         cpu, tenstorrent, tenstorrent-emulator or auto (default auto)
              --threads N            CPU threads (default: all processors)
              --ctx N                context length in tokens (default: from config.json)
              --int8-output          logits from an int8 per-row copy of the output table (cpu only;
                                     faster decode, ~1/2 more table memory, slightly different logits)
              --max-tokens N         new tokens at most (default 256)
              --temperature T        0 = greedy (default 0.8); also --greedy
              --top-k K, --top-p P, --min-p P
              --repeat-penalty R, --repeat-last-n N, --frequency-penalty F, --presence-penalty P
              --seed S               reproducible sampling
              --stop TEXT            stop string (repeatable)
              --stats                print token counts and speed after the answer""";

    private ModelArgs() {
    }

    static BitNetModel load(CliArgs args, PrintStream out) {
        String model = args.string("model", null);
        Path dir;
        if (model == null) {
            Path cache = args.has("demo-cache") ? Path.of(args.string("demo-cache", null)) : DemoModel.defaultCacheRoot();
            dir = DemoModel.ensure(cache);
            out.println("[demo] no --model given: running the built-in demo model (random weights, so the text is "
                    + "nonsense) from " + dir);
        } else {
            dir = Path.of(model);
        }
        BitNetOptions options = BitNetOptions.of(dir).withBackend(args.string("backend", "auto"))
                .withThreads(args.integer("threads", 0)).withContextLength(args.integer("ctx", 0))
                .withInt8OutputProjection(args.has("int8-output"));
        return BitNetModel.load(options);
    }

    static SamplingParameters sampling(CliArgs args) {
        SamplingParameters.Builder b = SamplingParameters.builder()
                .maxNewTokens(args.integer("max-tokens", 256))
                .temperature(args.has("greedy") ? 0 : args.number("temperature", SamplingParameters.DEFAULT_TEMPERATURE))
                .topK(args.integer("top-k", SamplingParameters.DEFAULT_TOP_K))
                .topP(args.number("top-p", SamplingParameters.DEFAULT_TOP_P))
                .minP(args.number("min-p", SamplingParameters.DEFAULT_MIN_P))
                .repetitionPenalty(args.number("repeat-penalty", SamplingParameters.DEFAULT_REPETITION_PENALTY))
                .penaltyLastN(args.integer("repeat-last-n", SamplingParameters.DEFAULT_PENALTY_LAST_N))
                .frequencyPenalty(args.number("frequency-penalty", 0))
                .presencePenalty(args.number("presence-penalty", 0))
                .seed(args.longOrNull("seed"))
                .stopStrings(args.all("stop"));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CliArgs.UsageException(e.getMessage());
        }
    }
}
