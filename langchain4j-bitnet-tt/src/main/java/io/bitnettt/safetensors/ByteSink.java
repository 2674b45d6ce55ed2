package io.bitnettt.safetensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/**
 * A little-endian, buffered byte stream onto a channel, so tensors of any size can be written
 * piece by piece with a fixed amount of heap.
 */
public final class ByteSink {

    private final WritableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private long written;

    ByteSink(WritableByteChannel channel) {
        this.channel = channel;
    }

    /** Bytes accepted so far, including those still buffered. */
    public long position() {
        return written + buffer.position();
    }

    private void ensure(int n) throws IOException {
        if (buffer.remaining() < n) {
            flush();
        }
    }

    public void putByte(byte b) throws IOException {
        ensure(1);
        buffer.put(b);
    }

    public void putShort(short s) throws IOException {
        ensure(2);
        buffer.putShort(s);
    }

    public void putFloat(float f) throws IOException {
        ensure(4);
        buffer.putFloat(f);
    }

    public void putBf16(float f) throws IOException {
        putShort(HalfFloats.floatToBf16(f));
    }

    public void put(byte[] bytes) throws IOException {
        put(bytes, 0, bytes.length);
    }

    public void put(byte[] bytes, int offset, int length) throws IOException {
        while (length > 0) {
            ensure(1);
            int n = Math.min(length, buffer.remaining());
            buffer.put(bytes, offset, n);
            offset += n;
            length -= n;
        }
    }

    public void put(MemorySegment segment) throws IOException {
        long off = 0;
        long size = segment.byteSize();
        while (off < size) {
            ensure(1);
            int n = (int) Math.min(size - off, buffer.remaining());
            buffer.put(segment.asSlice(off, n).asByteBuffer());
            off += n;
        }
    }

    void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            written += channel.write(buffer);
        }
        buffer.clear();
    }
}
