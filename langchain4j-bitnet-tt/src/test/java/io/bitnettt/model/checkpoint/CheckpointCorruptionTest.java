package io.bitnettt.model.checkpoint;

import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded random corruption of a small valid checkpoint: flipped bits, edited header digits,
 * truncation and spliced byte ranges. Each case must either load or fail with
 * {@link CheckpointException}; any other throwable (index errors, NPE, OOM, ...) fails the test.
 */
class CheckpointCorruptionTest {

    private static final int CASES = 3000;

    @Test
    void corruptFilesLoadOrFailCleanly(@TempDir Path dir) throws Exception {
        ModelConfig config = ModelConfig.tiny(16, 1, 2, 1, 4, 8, true);
        new CheckpointWriter(config).writeRandom(dir, 1);
        Path weights = dir.resolve("model.safetensors");
        byte[] original = Files.readAllBytes(weights);
        int headerEnd = 8 + (int) java.nio.ByteBuffer.wrap(original).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();

        SplittableRandom rnd = new SplittableRandom(20260101);
        int loaded = 0;
        int rejected = 0;
        for (int i = 0; i < CASES; i++) {
            long caseSeed = rnd.nextLong();
            byte[] mutated = mutate(original, headerEnd, new SplittableRandom(caseSeed));
            Files.write(weights, mutated);
            try (Checkpoint c = Checkpoint.open(dir)) {
                c.layer(0).q().value(0, 0);
                loaded++;
            } catch (CheckpointException e) {
                assertTrue(e.getMessage().startsWith("model.safetensors: "), e.getMessage());
                rejected++;
            } catch (Throwable t) {
                fail("case " + i + " (seed " + caseSeed + ") threw " + t, t);
            }
        }
        // Both outcomes must occur, or the mutations are not exercising anything.
        assertTrue(loaded > 0 && rejected > 0, "loaded " + loaded + ", rejected " + rejected);
        System.out.println("safetensors corruption: " + loaded + " loaded, " + rejected + " rejected");
    }

    @Test
    void corruptConfigLoadsOrFailsCleanly(@TempDir Path dir) throws Exception {
        new CheckpointWriter(ModelConfig.tiny(16, 1, 2, 1, 4, 8, true)).writeRandom(dir, 2);
        Path configFile = dir.resolve("config.json");
        byte[] original = Files.readAllBytes(configFile);
        SplittableRandom rnd = new SplittableRandom(77);
        int loaded = 0;
        int rejected = 0;
        for (int i = 0; i < 1000; i++) {
            long caseSeed = rnd.nextLong();
            Files.write(configFile, mutate(original, original.length, new SplittableRandom(caseSeed)));
            try (Checkpoint c = Checkpoint.open(dir)) {
                loaded++;
            } catch (CheckpointException e) {
                rejected++;
            } catch (Throwable t) {
                fail("case " + i + " (seed " + caseSeed + ") threw " + t, t);
            }
        }
        assertTrue(loaded > 0 && rejected > 0, "loaded " + loaded + ", rejected " + rejected);
        System.out.println("config corruption: " + loaded + " loaded, " + rejected + " rejected");
    }

    private static byte[] mutate(byte[] original, int headerEnd, SplittableRandom r) {
        byte[] b = original.clone();
        switch (r.nextInt(6)) {
            case 0 -> { // flip a few bits anywhere
                int flips = 1 + r.nextInt(8);
                for (int k = 0; k < flips; k++) {
                    int pos = r.nextInt(b.length);
                    b[pos] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> { // flip bits in the length field or the header
                int flips = 1 + r.nextInt(3);
                for (int k = 0; k < flips; k++) {
                    int pos = r.nextInt(headerEnd);
                    b[pos] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 2 -> { // rewrite a digit in the header: shapes and offsets change but stay JSON
                for (int tries = 0; tries < 50; tries++) {
                    int pos = 8 + r.nextInt(headerEnd - 8);
                    if (b[pos] >= '0' && b[pos] <= '9') {
                        b[pos] = (byte) ('0' + r.nextInt(10));
                        break;
                    }
                }
            }
            case 3 -> b = Arrays.copyOf(b, r.nextInt(b.length)); // truncate
            case 4 -> { // splice: copy one range over another
                int len = 1 + r.nextInt(64);
                int from = r.nextInt(b.length - len);
                int to = r.nextInt(b.length - len);
                System.arraycopy(original, from, b, to, len);
            }
            default -> { // splice: delete or duplicate a range
                int len = 1 + r.nextInt(32);
                int at = r.nextInt(b.length - len);
                byte[] out;
                if (r.nextBoolean()) {
                    out = new byte[b.length - len];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(b, at + len, out, at, b.length - at - len);
                } else {
                    out = new byte[b.length + len];
                    System.arraycopy(b, 0, out, 0, at + len);
                    System.arraycopy(b, at, out, at + len, b.length - at);
                }
                b = out;
            }
        }
        return b;
    }
}
