package io.bitnettt.model.gguf;

import io.bitnettt.gguf.GgmlType;
import io.bitnettt.gguf.GgufArray;
import io.bitnettt.gguf.GgufFile;
import io.bitnettt.gguf.GgufTensorInfo;
import io.bitnettt.gguf.GgufValue;
import io.bitnettt.gguf.GgufValueType;
import io.bitnettt.gguf.GgufWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A GGUF file read onto the heap, edited, and written back: for files the real tools do not make. */
public final class GgufEdit {

    public record Tensor(String name, GgmlType type, long[] ne, byte[] data) {
    }

    public final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    final List<Tensor> tensors = new ArrayList<>();

    public static GgufEdit of(Path gguf) {
        GgufEdit e = new GgufEdit();
        try (GgufFile f = GgufFile.open(gguf)) {
            f.metadata().asMap().forEach((k, v) -> e.metadata.put(k, onHeap(v)));
            for (GgufTensorInfo t : f.tensors()) {
                e.tensors.add(new Tensor(t.name(), t.type(), t.ne(), f.data(t).toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        return e;
    }

    private static GgufValue onHeap(GgufValue v) {
        if (v.type() == GgufValueType.ARRAY && ((GgufArray) v.value()).numbers() != null) {
            GgufArray a = (GgufArray) v.value();
            return new GgufValue(v.type(), new GgufArray(a.elementType(), a.count(),
                    MemorySegment.ofArray(a.numbers().toArray(ValueLayout.JAVA_BYTE)), null));
        }
        return v;
    }

    /** Moves every {@code from.*} key to {@code to.*} and names {@code to} the architecture. */
    GgufEdit architecture(String from, String to) {
        Map<String, GgufValue> moved = new LinkedHashMap<>();
        metadata.forEach((k, v) -> moved.put(k.startsWith(from + ".") ? to + k.substring(from.length()) : k, v));
        metadata.clear();
        metadata.putAll(moved);
        metadata.put("general.architecture", new GgufValue(GgufValueType.STRING, to));
        return this;
    }

    Tensor tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    GgufEdit replace(Tensor t) {
        tensors.replaceAll(old -> old.name().equals(t.name()) ? t : old);
        return this;
    }

    GgufEdit remove(String name) {
        tensors.removeIf(t -> t.name().equals(name));
        return this;
    }

    GgufEdit add(Tensor t) {
        tensors.add(t);
        return this;
    }

    public Path write(Path file) {
        GgufWriter w = new GgufWriter();
        metadata.forEach(w::put);
        for (Tensor t : tensors) {
            w.tensor(t.name(), t.type(), t.ne(), out -> out.write(t.data()));
        }
        try {
            w.write(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
