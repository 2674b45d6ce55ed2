package io.bitnettt.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import io.bitnettt.cpu.CpuBackendProvider;
import io.bitnettt.cpu.CpuDevice;
import io.bitnettt.cpu.TemporaryProperty;
import io.bitnettt.spi.Availability;
import io.bitnettt.spi.DeviceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The touch-ahead loads read inside the segment whatever the offset (a kernel's last rows touch
 * past the end of their matrix), and a bad distance is refused by name. That touching leaves
 * results unchanged is checked by the kernel parity tests, which the pom runs with touching on
 * (the default run, and at 256 bits, {@code -Dbitnet.cpu.touchAhead=2048} whatever the machine's
 * default) and off (at 128 bits, {@code -Dbitnet.cpu.touchAhead=0}; the 512-bit lookup kernel is
 * checked with touching on only).
 */
class TouchAheadTest {
    @Test
    void distanceIsParsedInWholeLines() {
        assertEquals(2048, TouchAhead.distance("2048"));
        assertEquals(64, TouchAhead.distance(" 100 "));
        assertEquals(0, TouchAhead.distance("0"));
        assertEquals(0, TouchAhead.distance("63"));
    }

    @Test
    void touchingIsOffByDefaultOnAmdOnly() {
        assertEquals("0", TouchAhead.defaultFor("AuthenticAMD"));
        assertEquals("2048", TouchAhead.defaultFor("GenuineIntel"));
        assertEquals("2048", TouchAhead.defaultFor(""));
    }

    @Test
    void theVendorIsReadFromCpuinfo(@TempDir Path dir) throws IOException {
        // the first lines of /proc/cpuinfo as Linux writes them (tab before the colon)
        Path cpuinfo = Files.writeString(dir.resolve("cpuinfo"),
                "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\n");
        assertEquals("AuthenticAMD", TouchAhead.vendor(cpuinfo));
        Files.writeString(cpuinfo, "processor\t: 0\nvendor_id\t: GenuineIntel\n");
        assertEquals("GenuineIntel", TouchAhead.vendor(cpuinfo));
        Files.writeString(cpuinfo, "Processor\t: AArch64 Processor rev 1\n");
        assertEquals("", TouchAhead.vendor(cpuinfo));
        assertEquals("", TouchAhead.vendor(dir.resolve("absent")));
    }

    @Test
    void badDistancesNameTheProperty() {
        for (String bad : new String[] {"-64", "lots", "", "2097152"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TouchAhead.distance(bad));
            assertTrue(e.getMessage().contains(TouchAhead.PROPERTY) && e.getMessage().contains("expected"),
                    e.getMessage());
        }
    }

    @Test
    void aBadPropertyValueIsRefusedWhenTheDeviceOpens() {
        try (TemporaryProperty p = TemporaryProperty.set(TouchAhead.PROPERTY, "far")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CpuDevice.open(DeviceOptions.defaults().withThreads(1)));
            assertTrue(e.getMessage().contains(TouchAhead.PROPERTY) && e.getMessage().contains("far"), e.getMessage());
            // the provider reports the backend unavailable with the same reason instead of failing
            Availability a = new CpuBackendProvider().probe();
            assertFalse(a.available());
            assertTrue(a.reason().contains(TouchAhead.PROPERTY), a.reason());
        }
    }

    @Test
    void touchesPastTheEndReadTheLastByte() {
        try (Arena arena = Arena.ofConfined()) {
            // 300 bytes, byte i = i % 100 + 1: the last byte is 100
            MemorySegment s = arena.allocate(300);
            for (int i = 0; i < 300; i++) {
                s.set(ValueLayout.JAVA_BYTE, i, (byte) (i % 100 + 1));
            }
            long d = TouchAhead.DISTANCE;
            assertEquals(byteAt(s, Math.min(d, 299)), TouchAhead.ahead(s, 0));
            assertEquals(100, TouchAhead.ahead(s, 299));
            // three lines from offset 200: each at 200 + d + 64·l, clamped to byte 299
            long expected = 0;
            for (long l = 0; l < 192; l += 64) {
                expected += byteAt(s, Math.min(200 + d + l, 299));
            }
            assertEquals(expected, TouchAhead.lines(s, 200, 192));
            // here: the lines at 250 and 314 (past the end, so byte 299)
            assertEquals(byteAt(s, 250) + 100, TouchAhead.linesHere(s, 250, 128));
        }
    }

    private static long byteAt(MemorySegment s, long i) {
        return s.get(ValueLayout.JAVA_BYTE, i);
    }
}
