package io.bitnettt.cpu;

import io.bitnettt.spi.Availability;
import io.bitnettt.spi.BackendProvider;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;

/** The pure-Java backend: always there, ranked below any accelerator. */
public final class CpuBackendProvider implements BackendProvider {
    public static final int PRIORITY = 10;

    @Override
    public String name() {
        return CpuDevice.NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public Availability probe() {
        try {
            return Availability.available("pure Java, " + Runtime.getRuntime().availableProcessors()
                    + " processors, Vector API species " + VectorInfo.describe());
        } catch (IllegalArgumentException e) {
            return Availability.unavailable(e.getMessage());
        } catch (LinkageError e) {
            // Without --add-modules jdk.incubator.vector the kernels cannot even load.
            return Availability.unavailable("the Vector API is missing; run with --add-modules jdk.incubator.vector ("
                    + e + ")");
        }
    }

    @Override
    public Device open(DeviceOptions options) {
        return new CpuDevice(options);
    }
}
