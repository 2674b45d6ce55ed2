package io.bitnettt.gguf;

import io.bitnettt.model.CheckpointException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One GGUF file, memory-mapped read-only and fully checked at open (see the package doc). Tensor
 * data is never copied: {@link #data} returns slices of the mapping. The file owns the
 * {@link Arena} of its mapping, so {@link #close()} unmaps it deterministically; segments handed
 * out earlier are invalid afterwards.
 */
public final class GgufFile implements AutoCloseable {

    private final Path path;
    private final String fileName;
    private final GgufHeader header;
    private final Map<String, GgufTensorInfo> byName;
    private final Arena arena;
    private final MemorySegment mapping;

    private GgufFile(Path path, GgufHeader header, Arena arena, MemorySegment mapping) {
        this.path = path;
        this.fileName = String.valueOf(path.getFileName());
        this.header = header;
        this.arena = arena;
        this.mapping = mapping;
        Map<String, GgufTensorInfo> m = new LinkedHashMap<>();
        for (GgufTensorInfo t : header.tensors()) {
            m.put(t.name(), t);
        }
        this.byName = Collections.unmodifiableMap(m);
    }

    /** Maps {@code path} and checks its structure. */
    public static GgufFile open(Path path) {
        String name = String.valueOf(path.getFileName());
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            GgufHeader header = GgufHeader.parse(mapping, name);
            return new GgufFile(path, header, arena, mapping);
        } catch (IOException e) {
            arena.close();
            throw new CheckpointException(name, "(file)", "cannot be read: " + e, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * A GGUF file held in memory (a heap or native segment), checked as {@link #open} checks a
     * mapped one; {@code name} stands for its file name in messages. The caller keeps ownership of
     * {@code contents}.
     */
    public static GgufFile read(String name, MemorySegment contents) {
        GgufHeader header = GgufHeader.parse(contents, name);
        return new GgufFile(Path.of(name), header, Arena.ofShared(), contents);
    }

    /** Whether {@code path} is a regular file that starts with the GGUF magic. */
    public static boolean isGguf(Path path) {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer magic = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            while (magic.hasRemaining() && ch.read(magic) > 0) {
                // read up to 4 bytes
            }
            return !magic.hasRemaining() && magic.getInt(0) == GgufHeader.MAGIC;
        } catch (IOException e) {
            return false;
        }
    }

    public Path path() {
        return path;
    }

    public String fileName() {
        return fileName;
    }

    /** 3, or 2 for the older files of the same layout. */
    public int version() {
        return header.version();
    }

    public GgufMetadata metadata() {
        return header.metadata();
    }

    /** The tensor table in file order. */
    public List<GgufTensorInfo> tensors() {
        return header.tensors();
    }

    /** The entry of {@code name}, or null if the file has no such tensor. */
    public GgufTensorInfo tensor(String name) {
        return byName.get(name);
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** {@code general.alignment}, or 32 when absent. */
    public long alignment() {
        return header.alignment();
    }

    /** Byte offset of the data section in the file. */
    public long dataStart() {
        return header.dataStart();
    }

    /** The mapped bytes of {@code t}; valid until {@link #close()}. */
    public MemorySegment data(GgufTensorInfo t) {
        if (!t.equals(byName.get(t.name()))) {
            throw new IllegalArgumentException(t.name() + " is not a tensor of " + fileName);
        }
        return mapping.asSlice(header.dataStart() + t.offset(), t.byteSize());
    }

    public boolean isClosed() {
        return !arena.scope().isAlive();
    }

    /** Unmaps the file; idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
