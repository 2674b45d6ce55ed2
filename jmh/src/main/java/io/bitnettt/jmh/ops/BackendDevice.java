package io.bitnettt.jmh.ops;

import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;

/**
 * Opens the device a benchmark's {@code backend} parameter names, through the same SPI selection
 * the CLI uses. A backend that is not available here fails the trial with
 * {@link io.bitnettt.spi.BackendUnavailableException}, whose message carries the probe's reason;
 * {@code bin/bench} probes first and skips such backends instead of running into this.
 */
public final class BackendDevice {
    private BackendDevice() {
    }

    /** @param threads host worker threads; 0 lets the backend use every processor */
    public static Device open(String backend, int threads) {
        return BackendSelector.fromServiceLoader().select(backend).open(DeviceOptions.defaults().withThreads(threads));
    }
}
