package io.bitnettt.spi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class AbstractDeviceTest {

    @Test
    void closingTheDeviceFreesItsTensorsAndIsIdempotent() {
        HostTestDevice device = new HostTestDevice();
        Tensor a = device.allocate(TensorSpec.f32(4));
        Tensor b = device.allocate(TensorSpec.f32(8));
        b.close();
        assertEquals(1, device.liveTensorCount());
        device.close();
        device.close();
        assertTrue(a.isClosed());
        assertTrue(device.released);
        assertEquals(0, device.liveTensorCount());
        BackendException e = assertThrows(BackendException.class, () -> device.allocate(TensorSpec.f32(1)));
        assertEquals("[test] allocate: device is closed", e.getMessage());
    }

    @Test
    void openDevicesAreTrackedUntilClosedSoTheShutdownHookCanCloseThem() {
        HostTestDevice device = new HostTestDevice();
        assertTrue(OpenDevices.snapshot().contains(device));
        OpenDevices.closeAll();
        assertTrue(device.isClosed());
        assertFalse(OpenDevices.snapshot().contains(device));
    }

    @Test
    void eagerCaptureRunsTheStepOnceNowAndOncePerReplay() {
        int[] runs = {0};
        try (CapturedStep step = new HostTestDevice().capture(() -> runs[0]++)) {
            assertEquals(1, runs[0]);
            step.replay();
            step.replay();
            assertEquals(3, runs[0]);
            assertFalse(step.isRecorded());
        }
    }
}
