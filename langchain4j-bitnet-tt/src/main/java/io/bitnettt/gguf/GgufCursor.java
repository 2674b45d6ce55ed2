package io.bitnettt.gguf;

import io.bitnettt.model.CheckpointException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Little-endian reads from the start of a mapped GGUF file. Every read checks the bytes exist
 * first, so a truncated or lying file ends in a {@link CheckpointException} that says what was
 * being read and where, never in an {@code IndexOutOfBoundsException}.
 */
final class GgufCursor {

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment file;
    private final String fileName;
    private final long size;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private long position;

    GgufCursor(MemorySegment file, String fileName) {
        this.file = file;
        this.fileName = fileName;
        this.size = file.byteSize();
    }

    long position() {
        return position;
    }

    long remaining() {
        return size - position;
    }

    long size() {
        return size;
    }

    /** Fails unless {@code n} more bytes exist; {@code subject} and {@code what} go into the message. */
    void require(long n, String subject, String what) {
        if (n < 0 || n > remaining()) {
            throw new CheckpointException(fileName, subject, "file ends at byte " + size + " but " + what
                    + " needs " + (n < 0 ? Long.toUnsignedString(n) : Long.toString(n)) + " byte(s) from byte "
                    + position + " (truncated file)");
        }
    }

    int u8(String subject, String what) {
        require(1, subject, what);
        return file.get(ValueLayout.JAVA_BYTE, position++) & 0xFF;
    }

    /** An unsigned 32-bit value as a non-negative long. */
    long u32(String subject, String what) {
        require(4, subject, what);
        long v = file.get(INT, position) & 0xFFFF_FFFFL;
        position += 4;
        return v;
    }

    /** A 64-bit value; the caller decides whether it is signed. */
    long u64(String subject, String what) {
        require(8, subject, what);
        long v = file.get(LONG, position);
        position += 8;
        return v;
    }

    /**
     * A GGUF string: u64 byte length, then that many bytes of UTF-8 (no terminator). Invalid UTF-8
     * is refused: every GGUF writer stores UTF-8, so anything else is corruption.
     */
    String string(String subject, String what) {
        long length = u64(subject, what + " length");
        if (length < 0 || length > remaining()) {
            throw new CheckpointException(fileName, subject, what + " declares " + Long.toUnsignedString(length)
                    + " bytes at byte " + (position - 8) + " but only " + remaining()
                    + " bytes follow (corrupt length or truncated file)");
        }
        if (length > Integer.MAX_VALUE - 8) {
            throw new CheckpointException(fileName, subject, what + " declares " + length
                    + " bytes, more than a Java string can hold");
        }
        byte[] bytes = new byte[(int) length];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, position, bytes, 0, bytes.length);
        long start = position;
        position += length;
        try {
            return utf8.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(fileName, subject, what + " at byte " + start + " is not valid UTF-8");
        }
    }

    /** A slice of {@code n} bytes from here, zero-copy, after which the cursor moves past it. */
    MemorySegment slice(long n, String subject, String what) {
        require(n, subject, what);
        MemorySegment s = file.asSlice(position, n);
        position += n;
        return s;
    }

    void seek(long newPosition) {
        position = newPosition;
    }
}
