package io.bitnettt.jmh.engine;

import io.bitnettt.engine.BitNetForward;
import io.bitnettt.engine.DeviceWeights;
import io.bitnettt.engine.ModelDims;
import io.bitnettt.engine.WeightUploader;
import io.bitnettt.jmh.ops.BackendDevice;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.model.checkpoint.CheckpointWriter;
import io.bitnettt.spi.Device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Decode on 1 thread against 2 threads while other work holds cores: a benchmark command, not a
 * JMH benchmark, because the two must see the same load. Separate JMH forks run minutes apart,
 * and on a shared machine the load between them differs more than the effect measured. So one JVM
 * holds a 1-thread and a 2-thread device on the same weights and alternates rounds of decode steps
 * between them (which goes first alternates too), and reports each round's ratio.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *   -cp jmh/target/benchmarks.jar io.bitnettt.jmh.engine.ThreadsBesideBusyLoop [busyLoops] [rounds] [tokens]
 * </pre>
 * {@code busyLoops} (default 1) busy-loop processes run beside it for the whole measurement; the
 * model is {@link DecodeStepBenchmark}'s: random weights at the full 2B-4T shapes.
 */
public final class ThreadsBesideBusyLoop {
    private static final int POSITION = 128;
    private static final int WARM_STEPS = 30;

    private ThreadsBesideBusyLoop() {
    }

    public static void main(String[] args) throws IOException {
        int busyLoops = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        ModelConfig config = ModelConfig.bitnet2B4T();
        Path dir = Files.createTempDirectory("bitnet-threads-busy");
        List<Process> busy = new ArrayList<>();
        try {
            new CheckpointWriter(config).writeRandom(dir, 2025);
            try (Checkpoint checkpoint = Checkpoint.open(dir);
                 Device d1 = BackendDevice.open("cpu", 1);
                 Device d2 = BackendDevice.open("cpu", 2);
                 DeviceWeights w1 = WeightUploader.upload(checkpoint, d1);
                 DeviceWeights w2 = WeightUploader.upload(checkpoint, d2);
                 BitNetForward one = new BitNetForward(d1, ModelDims.of(config, 2 * POSITION), w1, 64);
                 BitNetForward two = new BitNetForward(d2, ModelDims.of(config, 2 * POSITION), w2, 64)) {
                SplittableRandom r = new SplittableRandom(1);
                int[] prompt = new int[POSITION + 1];
                for (int i = 0; i < prompt.length; i++) {
                    prompt[i] = r.nextInt(config.vocabSize());
                }
                one.prefill(prompt, 0, POSITION);
                two.prefill(prompt, 0, POSITION);
                for (int i = 0; i < WARM_STEPS; i++) {
                    one.decodeArgmax(prompt[POSITION], POSITION);
                    two.decodeArgmax(prompt[POSITION], POSITION);
                }
                for (int i = 0; i < busyLoops; i++) {
                    busy.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
                }
                measure(one, two, prompt[POSITION], rounds, tokens, busyLoops);
            }
        } finally {
            busy.forEach(Process::destroyForcibly);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void measure(BitNetForward one, BitNetForward two, int token, int rounds, int tokens, int busyLoops) {
        double[] ratios = new double[rounds];
        double sum1 = 0;
        double sum2 = 0;
        for (int round = 0; round < rounds; round++) {
            boolean oneFirst = round % 2 == 0;
            double a = tokensPerSecond(oneFirst ? one : two, token, tokens);
            double b = tokensPerSecond(oneFirst ? two : one, token, tokens);
            double t1 = oneFirst ? a : b;
            double t2 = oneFirst ? b : a;
            ratios[round] = t2 / t1;
            sum1 += t1;
            sum2 += t2;
            System.out.printf("round %d: 1 thread %.2f tokens/s, 2 threads %.2f, ratio %.2f, load average %s%n",
                    round, t1, t2, t2 / t1, loadAverage());
        }
        java.util.Arrays.sort(ratios);
        System.out.printf("beside %d busy loop(s): mean tokens/s 1 thread %.2f, 2 threads %.2f; "
                        + "2 threads / 1 thread median %.2f, min %.2f, max %.2f (%d rounds of %d tokens)%n",
                busyLoops, sum1 / rounds, sum2 / rounds, ratios[rounds / 2], ratios[0], ratios[rounds - 1],
                rounds, tokens);
    }

    private static double tokensPerSecond(BitNetForward forward, int token, int tokens) {
        long start = System.nanoTime();
        for (int i = 0; i < tokens; i++) {
            forward.decodeArgmax(token, POSITION);
        }
        return tokens / ((System.nanoTime() - start) / 1e9);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
