package io.bitnettt.tt;

import io.bitnettt.spi.Availability;
import io.bitnettt.spi.BackendProvider;
import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.BackendUnavailableException;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.tt.ffi.BttDeviceConfig;
import io.bitnettt.tt.ffi.BttDeviceInfo;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.bitnettt.tt.Host.*;
import static org.junit.jupiter.api.Assertions.*;

/** Which backend runs: the card only when it is really there, the emulator only when named. */
class ProviderSelectionTest {

    @Test
    void autoNeverPicksTheEmulatorEvenWhenItIsTheOnlyAvailableBackend() {
        Emulator.libraryPath();
        BackendSelector all = BackendSelector.fromServiceLoader();
        assertTrue(all.probeAll().stream().anyMatch(r -> r.name().equals(TenstorrentEmulatorProvider.NAME) && r.available()),
                all.probeAll().toString());
        assertEquals("cpu", all.select("auto").name());

        BackendSelector ttOnly = new BackendSelector(List.of(new TenstorrentBackendProvider(),
                new TenstorrentEmulatorProvider()));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> ttOnly.select("auto"));
        assertTrue(e.getMessage().contains("tenstorrent-emulator: chosen only by name"), e.getMessage());
    }

    @Test
    void theCardBackendIsUnavailableHereAndSaysWhy() {
        BackendProvider tt = new TenstorrentBackendProvider();
        Availability a = tt.probe();
        assertFalse(a.available());
        assertTrue(a.reason().contains(TtLibraries.SHIM_PROPERTY) && a.reason().contains(TtLibraries.SHIM_FILE), a.reason());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> BackendSelector.fromServiceLoader().select("tenstorrent"));
        assertTrue(e.getMessage().contains("backend 'tenstorrent' is unavailable"), e.getMessage());
    }

    @Test
    void theEmulatorLibraryIsNotMistakenForTheTtnnShim() {
        String emu = Emulator.libraryPath();
        String old = System.getProperty(TtLibraries.SHIM_PROPERTY);
        System.setProperty(TtLibraries.SHIM_PROPERTY, emu);
        try {
            Availability a = new TenstorrentBackendProvider().probe();
            assertFalse(a.available());
            assertTrue(a.reason().endsWith("implements 'ttnn-host-double', not TT-NN; the host double is the explicit backend '"
                    + TenstorrentEmulatorProvider.NAME + "'"), a.reason());
        } finally {
            if (old == null) {
                System.clearProperty(TtLibraries.SHIM_PROPERTY);
            } else {
                System.setProperty(TtLibraries.SHIM_PROPERTY, old);
            }
        }
    }

    @Test
    void theEmulatorOpensByNameWithCapacitiesFromTheDeviceProperties() {
        Emulator.libraryPath();
        DeviceOptions options = new DeviceOptions(0, 0, Map.of(EmulatorConfig.L1_BYTES_PER_CORE, "65536",
                EmulatorConfig.CORES, "4", EmulatorConfig.DRAM_BYTES, "1048576", "cpu.unrelated", "x"));
        BackendProvider p = BackendSelector.fromServiceLoader().select("TENSTORRENT-emulator");
        try (Device d = p.open(options)) {
            assertEquals(TenstorrentEmulatorProvider.NAME, d.backendName());
            assertEquals(4 * 65536L, d.capabilities().memoryBytes().get(MemoryPlacement.DEVICE_L1));
            assertEquals(1048576L, d.capabilities().memoryBytes().get(MemoryPlacement.DEVICE_DRAM));
            assertTrue(d.capabilities().captureReplay());
            BttDeviceInfo info = ((TenstorrentDevice) d).info();
            assertEquals("host-double", info.arch());
            assertEquals(4, info.cores());
            Tensor a = f32(d, new float[] {1, 2, 3}, 1, 3);
            d.ops().add(a, a, a);
            assertArrayEquals(new float[] {2, 4, 6}, floats(a));
        }
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> p.open(new DeviceOptions(0, 0, Map.of("tt.emulator.l1", "1"))));
        assertTrue(e.getMessage().contains("unknown emulator property 'tt.emulator.l1'"), e.getMessage());
    }

    @Test
    void countOnlyKeepsShapesAndCountersButComputesNothing() {
        try (TenstorrentDevice d = Emulator.open(EmulatorConfig.defaults().withCountOnly(true))) {
            Tensor a = f32(d, new float[] {1, 2, 3}, 1, 3);
            d.resetCounters();
            d.ops().add(a, a, a);
            assertArrayEquals(new float[3], floats(a), "count-only downloads return zeros");
            DeviceCounters c = d.counters();
            assertEquals(1, c.ops());
            assertTrue(c.deviceToHostBytes() > 0);
        }
    }

    @Test
    void structLayoutsMatchTheHeader() {
        // uint32, int32, 4 x uint64, uint32, uint32: no padding, 48 bytes.
        assertEquals(48, BttDeviceConfig.LAYOUT.byteSize());
        // char[32], uint32, uint32, uint64, uint64.
        assertEquals(56, BttDeviceInfo.LAYOUT.byteSize());
        assertEquals(40, BttDeviceInfo.LAYOUT.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("dram_bytes")));
    }

    @Test
    void tensorSpecsOfTheEngineAllocateAndFreeTheirBytes() {
        try (TenstorrentDevice d = Emulator.open()) {
            long before = d.counters().l1BytesInUse();
            Tensor t = d.allocate(TensorSpec.f32(1, 40).withPlacement(MemoryPlacement.DEVICE_L1));
            // One row of 40 floats pads to a 32 x 64 region of F32 tiles.
            assertEquals(before + 32 * 64 * 4, d.counters().l1BytesInUse());
            t.close();
            assertEquals(before, d.counters().l1BytesInUse());
        }
    }

    @Test
    void withoutThePropertyTheEmulatorIsExtractedFromTheJar() {
        String configured = Emulator.libraryPath();
        System.clearProperty(TtLibraries.HOST_DOUBLE_PROPERTY);
        try {
            Availability a = new TenstorrentEmulatorProvider().probe();
            assertTrue(a.available(), a.reason());
            assertFalse(a.reason().contains(configured), "a copy, not the build's file: " + a.reason());
            try (TenstorrentDevice d = TenstorrentDevice.openEmulator(EmulatorConfig.defaults())) {
                Tensor t = f32(d, new float[] {1, 2}, 1, 2);
                d.ops().add(t, t, t);
                assertArrayEquals(new float[] {2, 4}, floats(t));
            }
        } finally {
            System.setProperty(TtLibraries.HOST_DOUBLE_PROPERTY, configured);
        }
    }
}
