package io.bitnettt.demo;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.QuantizationConfig;
import io.bitnettt.model.checkpoint.CheckpointWriter;

import java.nio.file.Path;
import java.util.List;

/**
 * The built-in demo: a small BitNet with seeded random weights and a tiny trained tokenizer,
 * written once by the project's own checkpoint writer so the command line runs with no download.
 * Its output is fluent-looking nonsense by construction.
 */
public final class DemoModel {
    /** Bump when the demo's shape or writer changes, so an old cached folder is not reused. */
    static final String VERSION = "v1";
    static final long SEED = 20250414L;

    private DemoModel() {
    }

    public static ModelConfig config() {
        int vocab = 384;
        int first = DemoTokenizerWriter.firstSpecialId(vocab);
        // 4 layers, 8 heads of 32 (hidden 256), 2 KV heads, ffn 688: the 2B-4T structure, shrunk.
        return new ModelConfig(List.of(ModelConfig.ARCHITECTURE), vocab, 256, 688, 4, 8, 2, 32, 1024, 1e-5,
                500000.0, true, first, List.of(first + 1), "relu2", QuantizationConfig.PACKED, "bfloat16");
    }

    /**
     * The demo folder under {@code cacheRoot}, written there first if it is missing or incomplete
     * (see {@link DemoCache}: written aside and renamed into place, safe against concurrent first runs).
     */
    public static Path ensure(Path cacheRoot) {
        return DemoCache.ensure(cacheRoot, "demo-model-" + VERSION, dir -> {
            DemoTokenizerWriter.write(dir, config().vocabSize());
            new CheckpointWriter(config()).writeRandom(dir, SEED);
        });
    }

    /** Where the command line keeps the demo: {@code $XDG_CACHE_HOME/bitnet-tt} or {@code ~/.cache/bitnet-tt}. */
    public static Path defaultCacheRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("bitnet-tt");
    }
}
