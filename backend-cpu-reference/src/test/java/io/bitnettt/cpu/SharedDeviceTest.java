package io.bitnettt.cpu;

import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.TransformerOps;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base for op test classes that share one two-thread CPU device for all their tests. */
abstract class SharedDeviceTest {
    static CpuDevice device;
    static TransformerOps ops;

    @BeforeAll
    static void openSharedDevice() {
        device = CpuDevice.open(DeviceOptions.defaults().withThreads(2));
        ops = device.ops();
    }

    @AfterAll
    static void closeSharedDevice() {
        device.close();
    }
}
