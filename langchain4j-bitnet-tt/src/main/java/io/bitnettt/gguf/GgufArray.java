package io.bitnettt.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * An array value of the metadata. Strings are decoded at open (a tokenizer needs them as strings
 * anyway); numbers stay a zero-copy slice of the mapped file and are read on demand.
 *
 * @param elementType the type of every element; never {@link GgufValueType#ARRAY}
 * @param count       number of elements
 * @param numbers     the little-endian elements of a numeric or bool array; null for strings
 * @param strings     the elements of a string array; null otherwise
 */
public record GgufArray(GgufValueType elementType, long count, MemorySegment numbers, List<String> strings) {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public GgufArray {
        strings = strings == null ? null : List.copyOf(strings);
    }

    /**
     * Element {@code i} of an integer array as a long. A u64 above {@link Long#MAX_VALUE} comes back
     * negative; callers range-check it anyway.
     */
    public long integer(long i) {
        long at = i * elementType.byteSize();
        return switch (elementType) {
            case UINT8 -> numbers.get(ValueLayout.JAVA_BYTE, at) & 0xFFL;
            case INT8 -> numbers.get(ValueLayout.JAVA_BYTE, at);
            case UINT16 -> numbers.get(SHORT, at) & 0xFFFFL;
            case INT16 -> numbers.get(SHORT, at);
            case UINT32 -> numbers.get(INT, at) & 0xFFFF_FFFFL;
            case INT32 -> numbers.get(INT, at);
            case UINT64, INT64 -> numbers.get(LONG, at);
            default -> throw new IllegalStateException(elementType + " is not an integer type");
        };
    }

    /** Element {@code i} of a float array. */
    public double real(long i) {
        return switch (elementType) {
            case FLOAT32 -> numbers.get(FLOAT, i * 4);
            case FLOAT64 -> numbers.get(DOUBLE, i * 8);
            default -> throw new IllegalStateException(elementType + " is not a float type");
        };
    }

    /** A description such as {@code [string x 512]}, for messages. */
    public String describe() {
        return "[" + elementType.label() + " x " + count + "]";
    }
}
