package io.bitnettt.jmh.load;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.model.checkpoint.CheckpointWriter;
import io.bitnettt.model.checkpoint.LayerWeights;
import io.bitnettt.model.checkpoint.PackedTernary;
import io.bitnettt.model.checkpoint.Projection;
import io.bitnettt.model.checkpoint.WeightForm;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Load benchmark: writes a random checkpoint with the full 2B-4T shapes (30 layers, d=2560,
 * ffn=6912, 20/5 heads, vocab 128256, tied; about 1.18 GB) to a temporary folder once, then times
 * {@link Checkpoint#open} (which validates every tensor: all ternary codes, scales, norms and the
 * embedding) plus a read of one byte per page of every packed weight, as an engine upload would.
 *
 * <p>Not a JMH benchmark on purpose: one open of a 1.2 GB mapping is the quantity of interest and
 * JMH forks would rewrite or re-map the file per fork. Run with
 * {@code java --enable-native-access=ALL-UNNAMED -cp jmh/target/benchmarks.jar io.bitnettt.jmh.load.LoadBenchmark [runs] [packed|master] [dir]}.
 * {@code master} writes the -bf16 form (about 4.8 GB) and so also times absmean quantization at
 * open. Without {@code dir} the files go to a temp folder that is deleted afterwards.
 */
public final class LoadBenchmark {

    private LoadBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        WeightForm form = args.length > 1 ? WeightForm.valueOf(args[1].toUpperCase()) : WeightForm.PACKED;
        boolean temp = args.length < 3;
        Path dir = temp ? Files.createTempDirectory("bitnet-load-bench") : Path.of(args[2]);
        try {
            ModelConfig config = ModelConfig.bitnet2B4T();
            long t0 = System.nanoTime();
            new CheckpointWriter(config).form(form).writeRandom(dir, 2025);
            long t1 = System.nanoTime();
            long bytes = Files.size(dir.resolve("model.safetensors"));
            System.out.printf("%s: wrote %,d bytes in %.2f s%n", form, bytes, (t1 - t0) / 1e9);
            for (int run = 1; run <= runs; run++) {
                long start = System.nanoTime();
                long checksum;
                try (Checkpoint ckpt = Checkpoint.open(dir)) {
                    checksum = touch(ckpt);
                }
                long end = System.nanoTime();
                System.out.printf("run %d: open + validate + touch %.3f s (checksum %d)%n", run, (end - start) / 1e9,
                        checksum);
            }
        } finally {
            if (temp) {
                deleteTree(dir);
            }
        }
    }

    /** Reads one byte per 4 KB page of every packed weight so every mapping page is resident. */
    private static long touch(Checkpoint ckpt) {
        long sum = 0;
        for (LayerWeights layer : ckpt.layers()) {
            for (Projection p : Projection.values()) {
                PackedTernary t = layer.projection(p);
                long size = t.hfPacked().byteSize();
                for (long off = 0; off < size; off += 4096) {
                    sum += t.hfPacked().get(ValueLayout.JAVA_BYTE, off);
                }
                sum += Float.floatToRawIntBits(t.scale());
            }
        }
        long emb = ckpt.embedding().data().byteSize();
        for (long off = 0; off < emb; off += 4096) {
            sum += ckpt.embedding().data().get(ValueLayout.JAVA_BYTE, off);
        }
        return sum;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
