package io.bitnettt.safetensors;

import io.bitnettt.model.CheckpointException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;

/**
 * One safetensors file, memory-mapped read-only. Tensor data is never copied onto the Java heap:
 * {@link #data} returns slices of the mapping. The file owns the {@link Arena} of its mapping, so
 * {@link #close()} unmaps it deterministically; segments obtained earlier are invalid afterwards.
 *
 * <p>Layout: an unsigned 64-bit little-endian header length N, N bytes of JSON, then the data section.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Headers are a few hundred KB even for large models; anything near this is a corrupt length field. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private final Path path;
    private final String fileName;
    private final SafetensorsHeader header;
    private final Arena arena;
    private final MemorySegment dataSection;

    private SafetensorsFile(Path path, SafetensorsHeader header, Arena arena, MemorySegment dataSection) {
        this.path = path;
        this.fileName = String.valueOf(path.getFileName());
        this.header = header;
        this.arena = arena;
        this.dataSection = dataSection;
    }

    /** Opens, validates the header of, and maps {@code path}. */
    public static SafetensorsFile open(Path path) {
        String name = String.valueOf(path.getFileName());
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < Long.BYTES) {
                throw new CheckpointException(name, "header length", "file is " + size
                        + " bytes, too short for the 8-byte header length (truncated file)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, name);
            long headerLength = lenBuf.getLong(0);
            // Unsigned on disk: a negative long is a length above 2^63, so absurd either way.
            if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
                throw new CheckpointException(name, "header length", "declares " + Long.toUnsignedString(headerLength)
                        + " bytes, more than the " + MAX_HEADER_BYTES + "-byte limit (corrupt file)");
            }
            if (headerLength > size - Long.BYTES) {
                throw new CheckpointException(name, "header length", "declares " + headerLength
                        + " bytes but the file has only " + (size - Long.BYTES) + " after the length (truncated file)");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLength);
            readFully(ch, headerBuf, Long.BYTES, name);
            long dataStart = Long.BYTES + headerLength;
            SafetensorsHeader header = SafetensorsHeader.parse(headerBuf.array(), size - dataStart, name);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment data = ch.map(FileChannel.MapMode.READ_ONLY, dataStart, size - dataStart, arena);
                return new SafetensorsFile(path, header, arena, data);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        } catch (IOException e) {
            throw new CheckpointException(name, "(file)", "cannot be read: " + e, e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, String name) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new CheckpointException(name, "header", "file ended while reading the header (truncated file)");
            }
            pos += n;
        }
    }

    public Path path() {
        return path;
    }

    public String fileName() {
        return fileName;
    }

    public Set<String> names() {
        return header.tensors().keySet();
    }

    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** The header entry of {@code name}, or null if the file has no such tensor. */
    public TensorEntry entry(String name) {
        return header.tensors().get(name);
    }

    /** The mapped bytes of {@code name}; valid until {@link #close()}. */
    public MemorySegment data(String name) {
        TensorEntry e = entry(name);
        if (e == null) {
            throw new CheckpointException(fileName, name, "no such tensor in this file");
        }
        return dataSection.asSlice(e.begin(), e.byteSize());
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
