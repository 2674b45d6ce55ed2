package io.bitnettt.model.gguf;

import io.bitnettt.gguf.GgmlType;
import io.bitnettt.gguf.GgufFile;
import io.bitnettt.model.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded corruption of the fixture GGUFs (the tools' own files): truncation at every structural
 * boundary, then thousands of cases that rewrite counts, lengths, dimensions, offsets and type ids
 * with edge and random values, and random byte flips. Each case must load (config, weights and
 * tokenizer) or fail with a {@link CheckpointException} naming the file; any other throwable, an
 * out-of-memory error included, fails the test with the case's seed. The whole run has a generous
 * time limit, so a case that spins fails instead of hanging the build.
 *
 * <p>Cases run on in-memory copies ({@link GgufFile#read}) edited in place and restored, so
 * thousands of them stay cheap; a sample of truncations also goes through the memory-mapped path.
 * The seed is printed; {@code -Dbitnet.test.seed=N} replays a run.
 */
class GgufCorruptionTest {

    static final long SEED = Long.getLong("bitnet.test.seed", System.nanoTime());
    /** {@code -Dbitnet.test.gguf.cases=N} runs N field edits and 3N/8 flip cases instead, for a longer hunt. */
    private static final int FIELD_CASES = Integer.getInteger("bitnet.test.gguf.cases", 4000);
    private static final int FLIP_CASES = FIELD_CASES * 3 / 8;
    private static final int MAPPED_CASES = 24;

    /** What a header field holds, which decides the values a case writes into it. */
    enum Kind { COUNT, LENGTH, VALUE_TYPE, DIMS, DIM, TENSOR_TYPE, OFFSET }

    /** One field of the header: its place, its width (4 or 8 bytes) and what it holds. */
    record Field(int at, int width, Kind kind) {
    }

    /** The fixture file as bytes, with its structure walked independently of the reader. */
    static final class Layout {
        final String name;
        final byte[] bytes;
        final TreeSet<Integer> boundaries = new TreeSet<>();
        final Map<Kind, List<Field>> fields = new EnumMap<>(Kind.class);
        int dataStart;
        private final ByteBuffer le;
        private int pos;

        Layout(String kind) throws IOException {
            name = "tiny-" + kind + ".gguf";
            bytes = Files.readAllBytes(GgufFixture.gguf(kind));
            le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (Kind k : Kind.values()) {
                fields.put(k, new ArrayList<>());
            }
            walk();
        }

        private long field(int width, Kind kind) {
            boundaries.add(pos);
            if (kind != null) {
                fields.get(kind).add(new Field(pos, width, kind));
            }
            long v = width == 4 ? le.getInt(pos) & 0xFFFF_FFFFL : le.getLong(pos);
            pos += width;
            return v;
        }

        private void string() {
            long n = field(8, Kind.LENGTH);
            boundaries.add(pos);
            pos += (int) n;
        }

        private void walk() {
            field(4, null); // magic
            field(4, null); // version
            long tensors = field(8, Kind.COUNT);
            long kvs = field(8, Kind.COUNT);
            for (long i = 0; i < kvs; i++) {
                string();
                int type = (int) field(4, Kind.VALUE_TYPE);
                if (type == 9) {
                    int element = (int) field(4, Kind.VALUE_TYPE);
                    long count = field(8, Kind.COUNT);
                    for (long j = 0; j < count; j++) {
                        if (element == 8) {
                            string();
                        } else {
                            boundaries.add(pos);
                            pos += scalarBytes(element);
                        }
                    }
                } else if (type == 8) {
                    string();
                } else {
                    boundaries.add(pos);
                    pos += scalarBytes(type);
                }
            }
            List<long[]> extents = new ArrayList<>();
            for (long i = 0; i < tensors; i++) {
                string();
                int dims = (int) field(4, Kind.DIMS);
                long elements = 1;
                for (int d = 0; d < dims; d++) {
                    elements *= field(8, Kind.DIM);
                }
                GgmlType type = GgmlType.fromId(field(4, Kind.TENSOR_TYPE));
                long offset = field(8, Kind.OFFSET);
                extents.add(new long[] {offset, type.byteSize(elements)});
            }
            boundaries.add(pos);
            dataStart = (pos + 31) / 32 * 32;
            for (long[] e : extents) {
                boundaries.add((int) (dataStart + e[0]));
                boundaries.add((int) (dataStart + e[0] + e[1]));
            }
            boundaries.add(bytes.length - 1);
        }

        private static int scalarBytes(int type) {
            return switch (type) {
                case 0, 1, 7 -> 1;
                case 2, 3 -> 2;
                case 4, 5, 6 -> 4;
                case 10, 11, 12 -> 8;
                default -> throw new IllegalStateException("value type " + type);
            };
        }
    }

    private int loaded;
    private int rejected;

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void corruptFilesLoadOrFailWithCheckpointException(@TempDir Path dir) throws IOException {
        System.out.println("GgufCorruptionTest: seed=" + SEED + " (rerun with -Dbitnet.test.seed=" + SEED + ")");
        List<Layout> files = new ArrayList<>();
        for (String kind : GgufFixture.ALL) {
            files.add(new Layout(kind));
        }
        int truncations = 0;
        for (Layout f : files) {
            // The walk must agree with the file, or the cases below would miss the structure.
            assertEquals(24, f.fields.get(Kind.TENSOR_TYPE).size(), f.name);
            for (int at : f.boundaries) {
                for (int cut : new int[] {at - 1, at, at + 1}) {
                    if (cut >= 0 && cut < f.bytes.length) {
                        check(f, MemorySegment.ofArray(f.bytes).asSlice(0, cut), "truncated to " + cut + " bytes");
                        truncations++;
                    }
                }
            }
        }
        SplittableRandom rnd = new SplittableRandom(SEED);
        for (int i = 0; i < FIELD_CASES; i++) {
            long caseSeed = rnd.nextLong();
            SplittableRandom r = new SplittableRandom(caseSeed);
            Layout f = files.get(r.nextInt(files.size()));
            List<Field> candidates = f.fields.get(Kind.values()[r.nextInt(Kind.values().length)]);
            Field field = candidates.get(r.nextInt(candidates.size()));
            long value = corruptValue(f, field, r);
            byte[] saved = Arrays.copyOfRange(f.bytes, field.at, field.at + field.width);
            write(f, field, value);
            try {
                check(f, MemorySegment.ofArray(f.bytes), "case seed " + caseSeed + ": " + field + " set to " + value);
            } finally {
                System.arraycopy(saved, 0, f.bytes, field.at, field.width);
            }
        }
        for (int i = 0; i < FLIP_CASES; i++) {
            long caseSeed = rnd.nextLong();
            SplittableRandom r = new SplittableRandom(caseSeed);
            Layout f = files.get(r.nextInt(files.size()));
            int flips = 1 + r.nextInt(4);
            int[] at = new int[flips];
            byte[] saved = new byte[flips];
            for (int k = 0; k < flips; k++) {
                // Mostly the header, where a flipped bit changes structure; sometimes the data.
                at[k] = r.nextInt(4) > 0 ? r.nextInt(f.dataStart) : r.nextInt(f.bytes.length);
                saved[k] = f.bytes[at[k]];
                f.bytes[at[k]] ^= (byte) (1 << r.nextInt(8));
            }
            try {
                check(f, MemorySegment.ofArray(f.bytes), "case seed " + caseSeed + ": bits flipped at " + Arrays.toString(at));
            } finally {
                for (int k = flips - 1; k >= 0; k--) {
                    f.bytes[at[k]] = saved[k];
                }
            }
        }
        for (int i = 0; i < MAPPED_CASES; i++) {
            Layout f = files.get(i % files.size());
            Integer[] cuts = f.boundaries.toArray(new Integer[0]);
            int cut = cuts[rnd.nextInt(cuts.length)];
            Path file = Files.write(dir.resolve(f.name), Arrays.copyOf(f.bytes, cut));
            try (GgufCheckpoint c = GgufCheckpoint.open(file)) {
                GgufTokenizer.read(c.file());
                loaded++;
            } catch (CheckpointException e) {
                assertEquals(f.name, e.file(), e.getMessage());
                rejected++;
            } catch (Throwable t) {
                fail(f.name + " mapped, truncated to " + cut + " bytes, threw " + t, t);
            }
        }
        System.out.printf("GgufCorruptionTest: %d truncations, %d field edits, %d bit-flip cases, %d mapped: %d loaded,"
                + " %d refused with CheckpointException%n", truncations, FIELD_CASES, FLIP_CASES, MAPPED_CASES, loaded,
                rejected);
        // Both outcomes must occur, or the cases are not exercising anything.
        assertTrue(loaded > 0 && rejected > truncations, "loaded " + loaded + ", rejected " + rejected);
    }

    private void check(Layout f, MemorySegment contents, String what) {
        try (GgufFile file = GgufFile.read(f.name, contents)) {
            try (GgufCheckpoint c = GgufCheckpoint.open(file)) {
                GgufTokenizer.read(file);
                c.layers().getFirst().q().value(0, 0);
            }
            loaded++;
        } catch (CheckpointException e) {
            if (!f.name.equals(e.file())) {
                fail(f.name + ", " + what + ": the exception names " + e.file() + ": " + e.getMessage());
            }
            rejected++;
        } catch (Throwable t) {
            fail(f.name + ", " + what + " (seed " + SEED + ") threw " + t, t);
        }
    }

    /** Edge values for the field's kind, or a random one. */
    private static long corruptValue(Layout f, Field field, SplittableRandom r) {
        ByteBuffer le = ByteBuffer.wrap(f.bytes).order(ByteOrder.LITTLE_ENDIAN);
        long v = field.width == 4 ? le.getInt(field.at) & 0xFFFF_FFFFL : le.getLong(field.at);
        long max = field.width == 4 ? 0xFFFF_FFFFL : -1L;
        long[] common = {0, 1, v - 1, v + 1, v * 2, v / 2, max, max >>> 1, (max >>> 1) + 1, 1L << 31, 1L << 32,
                r.nextLong() & max};
        return switch (field.kind) {
            case VALUE_TYPE -> r.nextInt(4) == 0 ? common[r.nextInt(common.length)] : r.nextInt(14);
            case TENSOR_TYPE -> r.nextInt(4) == 0 ? common[r.nextInt(common.length)] : r.nextInt(40);
            case DIMS -> r.nextInt(4) == 0 ? common[r.nextInt(common.length)] : r.nextInt(6);
            case OFFSET -> switch (r.nextInt(4)) {
                case 0 -> v + 32L * (r.nextInt(9) - 4);
                case 1 -> f.fields.get(Kind.OFFSET).get(r.nextInt(f.fields.get(Kind.OFFSET).size())).at > 0
                        ? le.getLong(f.fields.get(Kind.OFFSET).get(r.nextInt(f.fields.get(Kind.OFFSET).size())).at) : 0;
                case 2 -> f.bytes.length - f.dataStart - r.nextInt(64);
                default -> common[r.nextInt(common.length)];
            };
            default -> common[r.nextInt(common.length)];
        };
    }

    private static void write(Layout f, Field field, long value) {
        ByteBuffer le = ByteBuffer.wrap(f.bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (field.width == 4) {
            le.putInt(field.at, (int) value);
        } else {
            le.putLong(field.at, value);
        }
    }
}
