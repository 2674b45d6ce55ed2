package io.bitnettt.cli;

import io.bitnettt.demo.DemoModel;
import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.BitNetOptions;
import io.bitnettt.engine.KvCacheType;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

/** Which model to load, onto which backend, with how many threads and how much context. */
final class ModelOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "PATH",
            description = "a Hugging Face model folder (config.json, model.safetensors, tokenizer.json) or a GGUF "
                    + "file (bitnet.cpp's I2_S, llama.cpp's TQ1_0/TQ2_0, F16); default: the built-in demo model")
    Path model;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "cpu, tenstorrent, tenstorrent-emulator or auto (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "CPU threads, at most the processors of this machine (default: all of them)")
    int threads;

    @Option(names = "--ctx", paramLabel = "N", defaultValue = "0",
            description = "context length in tokens (default: max_position_embeddings of the model)")
    int ctx;

    @Option(names = "--int8-output",
            description = "logits from an int8 per-row copy of the output table (cpu only; faster decode, "
                    + "about half the table's size more memory, slightly different logits)")
    boolean int8Output;

    @Option(names = {"--kv-cache", "--cache-type"}, paramLabel = "TYPE", defaultValue = "f32",
            description = "KV cache element type, f32, bf16 or int8 (cpu; bf16 halves the cache and the bytes "
                    + "attention reads per token, each key and value rounded to bfloat16; int8 keeps a little over a "
                    + "quarter, each token's kv head as int8 codes and one scale) (default: ${DEFAULT-VALUE})")
    String kvCache;

    @Option(names = "--demo-cache", paramLabel = "DIR", hidden = true,
            description = "where the demo model is kept (default: ~/.cache/bitnet-tt)")
    Path demoCache;

    /** Checks the values, then loads the model; the demo model's banner and warnings go to standard error. */
    BitNetModel load(Console console) {
        BitNetOptions options = options(console);
        return BitNetModel.load(options);
    }

    BitNetOptions options(Console console) {
        if (threads < 0) {
            throw new ParameterException(spec.commandLine(), "--threads must be >= 0 (0 = all processors), was " + threads);
        }
        if (ctx < 0) {
            throw new ParameterException(spec.commandLine(), "--ctx must be >= 0 (0 = from the model), was " + ctx);
        }
        KvCacheType kvType;
        try {
            kvType = KvCacheType.parse(kvCache);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--kv-cache: " + e.getMessage());
        }
        int processors = Runtime.getRuntime().availableProcessors();
        int useThreads = threads;
        if (threads > processors) {
            console.err().println("bitnet: warning: --threads " + threads + " is more than the " + processors
                    + " processors of this machine; using " + processors);
            useThreads = processors;
        }
        Path dir = model;
        if (dir == null) {
            dir = DemoModel.ensure(demoCache != null ? demoCache : DemoModel.defaultCacheRoot());
            console.err().println("[demo] no --model given: running the built-in demo model (random weights, so the "
                    + "text is nonsense) from " + dir);
        }
        return BitNetOptions.of(dir).withBackend(backend).withThreads(useThreads).withContextLength(ctx)
                .withInt8OutputProjection(int8Output).withKvCacheType(kvType);
    }
}
