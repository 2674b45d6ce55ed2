package io.bitnettt.model.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.StrictJson;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/** Shared helpers for checkpoint tests: tiny configs, an independent decoder, header surgery. */
final class Fixtures {

    private Fixtures() {
    }

    /** 2 layers, 4 heads of 8 (hidden 32), 2 KV heads (kv 16), ffn 48, vocab 64. */
    static ModelConfig tiny(boolean tied) {
        return ModelConfig.tiny(64, 2, 4, 2, 8, 48, tied);
    }

    /**
     * Decodes the HF packed layout straight from spec §3.2: for byte B = W8[r][c] and i in 0..3,
     * (B >> 2i) & 3, minus 1, is weight row i·(out/4) + r, column c.
     */
    static int[][] decode(byte[] packed, int out, int in) {
        int p = out / 4;
        int[][] w = new int[out][in];
        for (int r = 0; r < p; r++) {
            for (int c = 0; c < in; c++) {
                int b = packed[r * in + c] & 0xFF;
                for (int i = 0; i < 4; i++) {
                    w[i * p + r][c] = ((b >> (2 * i)) & 3) - 1;
                }
            }
        }
        return w;
    }

    static int[][] decode(PackedTernary t) {
        return decode(t.hfPacked().toArray(ValueLayout.JAVA_BYTE), (int) t.out(), (int) t.in());
    }

    static float[] floats(MemorySegment bf16) {
        short[] s = bf16.toArray(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
        float[] f = new float[s.length];
        for (int i = 0; i < s.length; i++) {
            f[i] = Float.intBitsToFloat((s[i] & 0xFFFF) << 16);
        }
        return f;
    }

    static float roundToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    /** A safetensors file split into its header and data, to be edited and written back. */
    record Parts(ObjectNode header, byte[] data) {

        static Parts read(Path file) throws IOException {
            byte[] all = Files.readAllBytes(file);
            long len = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            ObjectNode header = (ObjectNode) StrictJson.mapper().readTree(Arrays.copyOfRange(all, 8, 8 + (int) len));
            return new Parts(header, Arrays.copyOfRange(all, 8 + (int) len, all.length));
        }

        ObjectNode entry(String name) {
            return (ObjectNode) header.get(name);
        }

        long begin(String name) {
            return header.get(name).get("data_offsets").get(0).asLong();
        }

        /** Removes tensors and their bytes, keeping the data section free of holes. */
        Parts drop(String... names) {
            java.util.Set<String> gone = java.util.Set.of(names);
            java.util.List<String> kept = new java.util.ArrayList<>();
            header.properties().forEach(e -> {
                if (!e.getKey().equals("__metadata__") && !gone.contains(e.getKey())) {
                    kept.add(e.getKey());
                }
            });
            kept.sort(java.util.Comparator.comparingLong(this::begin));
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ObjectNode newHeader = StrictJson.mapper().createObjectNode();
            for (String name : kept) {
                ObjectNode e = entry(name).deepCopy();
                long b = e.get("data_offsets").get(0).asLong();
                long end = e.get("data_offsets").get(1).asLong();
                long nb = out.size();
                out.write(data, (int) b, (int) (end - b));
                e.putArray("data_offsets").add(nb).add(out.size());
                newHeader.set(name, e);
            }
            return new Parts(newHeader, out.toByteArray());
        }

        /** Adds tensor {@code to} holding a copy of {@code from}'s bytes, appended to the data. */
        Parts copy(String from, String to) {
            ObjectNode e = entry(from).deepCopy();
            long b = e.get("data_offsets").get(0).asLong();
            long end = e.get("data_offsets").get(1).asLong();
            byte[] grown = Arrays.copyOf(data, data.length + (int) (end - b));
            System.arraycopy(data, (int) b, grown, data.length, (int) (end - b));
            e.putArray("data_offsets").add(data.length).add(grown.length);
            ObjectNode h = header.deepCopy();
            h.set(to, e);
            return new Parts(h, grown);
        }

        void write(Path file) throws IOException {
            byte[] h = StrictJson.mapper().writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(h.length).put(h).put(data);
            Files.write(file, b.array());
        }
    }

    static void edit(Path file, Consumer<Parts> change) throws IOException {
        Parts p = Parts.read(file);
        change.accept(p);
        p.write(file);
    }

    static void drop(Path file, String... names) throws IOException {
        Parts.read(file).drop(names).write(file);
    }
}
