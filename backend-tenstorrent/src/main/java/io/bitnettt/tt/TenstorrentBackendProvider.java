package io.bitnettt.tt;

import io.bitnettt.spi.Availability;
import io.bitnettt.spi.BackendProvider;
import io.bitnettt.spi.BackendUnavailableException;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.tt.ffi.BttDevice;
import io.bitnettt.tt.ffi.BttDeviceConfig;
import io.bitnettt.tt.ffi.BttException;
import io.bitnettt.tt.ffi.BttLibrary;

/**
 * A Tenstorrent card through the TT-NN shim ({@code libbitnet_ttnn.so}) over Panama FFI. Available
 * only when the shim loads, is linked against TT-NN (not the host double) and sees a device.
 */
public final class TenstorrentBackendProvider implements BackendProvider {
    public static final String NAME = "tenstorrent";
    /** Accelerators outrank the CPU under {@code auto}. */
    public static final int PRIORITY = 100;
    /**
     * Key of {@link DeviceOptions#properties()}: {@code true} runs the decode step in tt_transformers'
     * accuracy mode (FP32 accumulation in every matmul, HiFi3 attention, a BF16 KV cache) instead of its
     * performance mode (LoFi for the bfloat4_b gate/up matmuls, HiFi2 elsewhere, a BFLOAT8_B KV cache).
     */
    public static final String ACCURACY = "tt.accuracy";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public Availability probe() {
        TtLibraries.Found found = TtLibraries.shim();
        if (!found.ok()) {
            return Availability.unavailable(found.problem());
        }
        BttLibrary lib = found.library();
        if (!lib.implementation().equals(TtLibraries.TTNN)) {
            return Availability.unavailable(lib.origin() + " implements '" + lib.implementation()
                    + "', not TT-NN; the host double is the explicit backend '" + TenstorrentEmulatorProvider.NAME + "'");
        }
        int count;
        try {
            count = BttDevice.count(lib, NAME);
        } catch (BttException e) {
            return Availability.unavailable("TT-NN shim " + lib.origin() + " cannot count devices: " + e.getMessage());
        }
        if (count <= 0) {
            return Availability.unavailable("TT-NN shim " + lib.origin() + " found no Tenstorrent device");
        }
        return Availability.available("TT-NN shim " + lib.origin() + ", " + count + " device(s)");
    }

    @Override
    public Device open(DeviceOptions options) {
        Availability a = probe();
        if (!a.available()) {
            throw new BackendUnavailableException(NAME, a.reason());
        }
        boolean accuracy;
        try {
            accuracy = EmulatorConfig.flag(options.properties(), ACCURACY);
        } catch (IllegalArgumentException e) {
            throw new BackendUnavailableException(NAME, "bad options: " + e.getMessage());
        }
        return TenstorrentDevice.open(TtLibraries.shim().orElseThrow(NAME), NAME, new BttDeviceConfig(options.deviceId(),
                0, 0, 0, 0, 0, accuracy ? BttDeviceConfig.FLAG_ACCURACY : 0));
    }
}
