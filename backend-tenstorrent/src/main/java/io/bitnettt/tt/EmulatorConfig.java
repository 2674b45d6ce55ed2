package io.bitnettt.tt;

import io.bitnettt.tt.ffi.BttDeviceConfig;

import java.util.Map;
import java.util.Set;

/**
 * Settings of a device of the host double of TT-NN (backend {@code tenstorrent-emulator}). Zero
 * capacities mean its defaults (an n150: 12 GiB DRAM, 64 cores of 1464 KiB L1).
 *
 * @param dramBytes      DRAM capacity
 * @param l1BytesPerCore L1 per core
 * @param cores          worker cores
 * @param countOnly      keep shapes, counters and capacity accounting but store and compute nothing, so
 *                       full-size models can be counted on a small machine (downloads return zeros)
 * @param accuracy       the decode step's accuracy mode instead of its performance mode (see
 *                       {@link TenstorrentBackendProvider#ACCURACY})
 */
public record EmulatorConfig(long dramBytes, long l1BytesPerCore, int cores, boolean countOnly, boolean accuracy) {
    /** Keys of {@link io.bitnettt.spi.DeviceOptions#properties()} the emulator provider reads. */
    public static final String DRAM_BYTES = "tt.emulator.dram_bytes";
    public static final String L1_BYTES_PER_CORE = "tt.emulator.l1_bytes_per_core";
    public static final String CORES = "tt.emulator.cores";
    public static final String COUNT_ONLY = "tt.emulator.count_only";
    public static final String ACCURACY = "tt.emulator.accuracy";
    private static final Set<String> KEYS = Set.of(DRAM_BYTES, L1_BYTES_PER_CORE, CORES, COUNT_ONLY, ACCURACY);

    public EmulatorConfig {
        if (dramBytes < 0 || l1BytesPerCore < 0 || cores < 0) {
            throw new IllegalArgumentException("emulator capacities must be >= 0 (0 = default): " + dramBytes + " DRAM bytes, "
                    + l1BytesPerCore + " L1 bytes per core, " + cores + " cores");
        }
    }

    public static EmulatorConfig defaults() {
        return new EmulatorConfig(0, 0, 0, false, false);
    }

    public EmulatorConfig withDramBytes(long bytes) {
        return new EmulatorConfig(bytes, l1BytesPerCore, cores, countOnly, accuracy);
    }

    public EmulatorConfig withL1(long bytesPerCore, int coreCount) {
        return new EmulatorConfig(dramBytes, bytesPerCore, coreCount, countOnly, accuracy);
    }

    public EmulatorConfig withCountOnly(boolean on) {
        return new EmulatorConfig(dramBytes, l1BytesPerCore, cores, on, accuracy);
    }

    public EmulatorConfig withAccuracy(boolean on) {
        return new EmulatorConfig(dramBytes, l1BytesPerCore, cores, countOnly, on);
    }

    /**
     * Reads the {@code tt.emulator.*} keys of a device's properties; other keys belong to other
     * backends and are ignored, but a misspelt {@code tt.emulator.} key is an error.
     */
    public static EmulatorConfig fromProperties(Map<String, String> properties) {
        for (String k : properties.keySet()) {
            if (k.startsWith("tt.emulator.") && !KEYS.contains(k)) {
                throw new IllegalArgumentException("unknown emulator property '" + k + "'; known: " + KEYS);
            }
        }
        return new EmulatorConfig(number(properties, DRAM_BYTES), number(properties, L1_BYTES_PER_CORE),
                Math.toIntExact(number(properties, CORES)), flag(properties, COUNT_ONLY), flag(properties, ACCURACY));
    }

    static boolean flag(Map<String, String> properties, String key) {
        String v = properties.getOrDefault(key, "false");
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(key + " must be true or false, was '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static long number(Map<String, String> properties, String key) {
        String v = properties.get(key);
        if (v == null) {
            return 0;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number of bytes, was '" + v + "'", e);
        }
    }

    BttDeviceConfig toNative(int deviceId) {
        return new BttDeviceConfig(deviceId, 0, 0, dramBytes, l1BytesPerCore, cores,
                (countOnly ? BttDeviceConfig.FLAG_COUNT_ONLY : 0) | (accuracy ? BttDeviceConfig.FLAG_ACCURACY : 0));
    }
}
