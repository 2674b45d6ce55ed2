package io.bitnettt.gguf;

import io.bitnettt.model.CheckpointException;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The key-value metadata of a GGUF file, with typed reads. A read that finds the key with another
 * type, or a number out of the caller's range, fails with a {@link CheckpointException} naming the
 * file, the key, what was expected and what was found: a model must not silently run with a
 * default where the file said something else.
 *
 * <p>Integer reads accept any of GGUF's integer types (writers differ: u32 in llama.cpp, i32 or
 * u64 elsewhere) and check the range instead; float reads accept f32 and f64.
 */
public final class GgufMetadata {

    private final String file;
    private final Map<String, GgufValue> values;

    GgufMetadata(String file, Map<String, GgufValue> values) {
        this.file = file;
        this.values = Collections.unmodifiableMap(values);
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public Map<String, GgufValue> asMap() {
        return values;
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    /** The raw value of {@code key}, or null. */
    public GgufValue get(String key) {
        return values.get(key);
    }

    public Optional<String> string(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v.type() != GgufValueType.STRING) {
            throw wrongType(key, "a string", v);
        }
        return Optional.of((String) v.value());
    }

    public String requireString(String key) {
        return string(key).orElseThrow(() -> missing(key, "a string"));
    }

    /** An integer in {@code [min, max]}, if present. */
    public OptionalLong integer(String key, long min, long max) {
        GgufValue v = values.get(key);
        if (v == null) {
            return OptionalLong.empty();
        }
        if (!v.type().isInteger()) {
            throw wrongType(key, "an integer in [" + min + ", " + max + "]", v);
        }
        long n = (Long) v.value();
        if (v.unsigned64() || n < min || n > max) {
            throw new CheckpointException(file, key, "expected an integer in [" + min + ", " + max + "], found "
                    + v.describe());
        }
        return OptionalLong.of(n);
    }

    public long requireInteger(String key, long min, long max) {
        OptionalLong n = integer(key, min, max);
        if (n.isEmpty()) {
            throw missing(key, "an integer in [" + min + ", " + max + "]");
        }
        return n.getAsLong();
    }

    public OptionalDouble real(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            return OptionalDouble.empty();
        }
        if (!v.type().isFloat()) {
            throw wrongType(key, "an f32 or f64 number", v);
        }
        return OptionalDouble.of((Double) v.value());
    }

    public double requireReal(String key) {
        OptionalDouble d = real(key);
        if (d.isEmpty()) {
            throw missing(key, "an f32 or f64 number");
        }
        return d.getAsDouble();
    }

    public Optional<Boolean> bool(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v.type() != GgufValueType.BOOL) {
            throw wrongType(key, "a bool", v);
        }
        return Optional.of((Boolean) v.value());
    }

    /** An array, if present; {@code elementType} null accepts any element type. */
    public Optional<GgufArray> array(String key, GgufValueType elementType) {
        GgufValue v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        String expected = "an array of " + (elementType == null ? "values" : elementType.label());
        if (v.type() != GgufValueType.ARRAY) {
            throw wrongType(key, expected, v);
        }
        GgufArray a = (GgufArray) v.value();
        if (elementType != null && a.elementType() != elementType) {
            throw wrongType(key, expected, v);
        }
        return Optional.of(a);
    }

    public List<String> requireStrings(String key) {
        return array(key, GgufValueType.STRING).orElseThrow(() -> missing(key, "an array of string")).strings();
    }

    /**
     * An integer array as ints, each in {@code [min, max]}, if present. The element type may be any
     * integer type.
     */
    public Optional<int[]> integers(String key, int min, int max) {
        Optional<GgufArray> found = array(key, null);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        GgufArray a = found.get();
        if (!a.elementType().isInteger()) {
            throw wrongType(key, "an array of integers", values.get(key));
        }
        if (a.count() > Integer.MAX_VALUE - 8) {
            throw new CheckpointException(file, key, "holds " + a.count() + " elements, more than a Java array can");
        }
        int[] out = new int[(int) a.count()];
        boolean unsigned64 = a.elementType() == GgufValueType.UINT64;
        for (int i = 0; i < out.length; i++) {
            long n = a.integer(i);
            if ((unsigned64 && n < 0) || n < min || n > max) {
                throw new CheckpointException(file, key, "element " + i + " is "
                        + (unsigned64 ? Long.toUnsignedString(n) : Long.toString(n)) + ", expected an integer in ["
                        + min + ", " + max + "]");
            }
            out[i] = (int) n;
        }
        return Optional.of(out);
    }

    private CheckpointException wrongType(String key, String expected, GgufValue found) {
        return new CheckpointException(file, key, "expected " + expected + ", found " + found.describe());
    }

    private CheckpointException missing(String key, String expected) {
        return new CheckpointException(file, key, "missing: expected " + expected);
    }
}
