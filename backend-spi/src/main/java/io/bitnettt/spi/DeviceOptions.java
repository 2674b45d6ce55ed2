package io.bitnettt.spi;

import java.util.Map;

/**
 * Options for {@link BackendProvider#open}.
 *
 * @param threads    worker threads for host-side compute; 0 means one per available processor
 * @param deviceId   which device of that kind, 0 for the first
 * @param properties backend-specific settings, passed through unchanged
 */
public record DeviceOptions(int threads, int deviceId, Map<String, String> properties) {
    public DeviceOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = all processors), was " + threads);
        }
        if (deviceId < 0) {
            throw new IllegalArgumentException("deviceId must be >= 0, was " + deviceId);
        }
        properties = Map.copyOf(properties);
    }

    public static DeviceOptions defaults() {
        return new DeviceOptions(0, 0, Map.of());
    }

    public DeviceOptions withThreads(int n) {
        return new DeviceOptions(n, deviceId, properties);
    }

    /** The thread count to use: {@link #threads()} or, when 0, the available processors. */
    public int effectiveThreads() {
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }
}
