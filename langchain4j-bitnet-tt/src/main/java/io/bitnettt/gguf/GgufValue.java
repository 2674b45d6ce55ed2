package io.bitnettt.gguf;

/**
 * One metadata value as stored: integers as {@link Long} (a u64 above {@link Long#MAX_VALUE} is
 * kept as its two's-complement long and flagged by {@link #unsigned64}), floats as {@link Double}
 * (an f32 widens exactly), {@link Boolean}, {@link String} or {@link GgufArray}.
 */
public record GgufValue(GgufValueType type, Object value) {

    /** True for a u64 whose long value must be read as unsigned. */
    public boolean unsigned64() {
        return type == GgufValueType.UINT64 && (Long) value < 0;
    }

    /** The value as the gguf tools print it, shortened for messages. */
    public String describe() {
        String shown = switch (type) {
            case STRING -> "\"" + value + "\"";
            case ARRAY -> ((GgufArray) value).describe();
            case UINT64 -> Long.toUnsignedString((Long) value);
            default -> String.valueOf(value);
        };
        if (shown.length() > 120) {
            shown = shown.substring(0, 117) + "...";
        }
        return type == GgufValueType.ARRAY ? shown : type.label() + " " + shown;
    }
}
