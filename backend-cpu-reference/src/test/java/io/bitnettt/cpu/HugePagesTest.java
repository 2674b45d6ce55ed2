package io.bitnettt.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import io.bitnettt.cpu.kernel.HfTernaryCodec;
import io.bitnettt.spi.Availability;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.OpenDevices;
import io.bitnettt.spi.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link HugePages}: what it maps is the memory an ordinary allocation gives (zeroed, aligned, the
 * asked size), is gone from the process when its arena closes, and is asked for only where it
 * should be. Whether Linux then backs it with huge pages is the kernel's choice and is not asserted.
 */
class HugePagesTest {
    private static final long MB = 1L << 20;

    @Test
    void mappedMemoryIsZeroedAlignedAndUnmappedWhenItsArenaCloses() throws IOException {
        assumeTrue(HugePages.offered(), "mapping needs Linux and native access (the build's argLine enables it)");
        long bytes = 5 * MB + 123;
        MemorySegment s;
        try (Arena arena = Arena.ofShared(); Arena zeros = Arena.ofConfined()) {
            s = HugePages.allocate(bytes, arena);
            assertNotNull(s, "a 5 MB request is mapped");
            assertEquals(bytes, s.byteSize());
            assertEquals(0, s.address() % HugePages.SIZE, "starts on a 2 MB boundary");
            assertEquals(-1L, s.mismatch(zeros.allocate(bytes)), "comes zeroed, as Arena.allocate gives it");
            s.set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
            s.set(ValueLayout.JAVA_BYTE, bytes - 1, (byte) -3);
            assertEquals(7, s.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(-3, s.get(ValueLayout.JAVA_BYTE, bytes - 1));
            assertTrue(mapped(s.address()), "/proc/self/maps lists the mapping while the arena is open");
        }
        MemorySegment closed = s;
        assertThrows(IllegalStateException.class, () -> closed.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void closingUnmapsEveryMappingSoNothingAccumulates() throws IOException {
        assumeTrue(HugePages.offered(), "mapping needs Linux and native access");
        long bytes = 32 * MB;
        long before = residentKb();
        for (int i = 0; i < 32; i++) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment s = HugePages.allocate(bytes, arena);
                assertNotNull(s);
                s.fill((byte) 1); // resident until unmapped: 1 GB in all if the mappings stayed
            }
        }
        long grown = residentKb() - before;
        assertTrue(grown < 512 * 1024, "resident memory grew by " + grown + " kB over 32 mapped and closed 32 MB tensors");
    }

    @Test
    void aPartialLastPageIsAdvisedOnlyWhereItAddsAtMostAnEighth() {
        assertEquals(2 * MB, HugePages.advised(2 * MB));
        assertEquals(2 * MB, HugePages.advised(2 * MB + 1), "2 MB - 1 more is not worth one byte");
        assertEquals(2 * MB, HugePages.advised(3 * MB), "1 MB more is a third of 3 MB");
        assertEquals(4 * MB, HugePages.advised(4 * MB - 20_000), "20 000 bytes more");
        assertEquals(14 * MB, HugePages.advised(14 * MB + MB / 8), "1.875 MB more is over an eighth of 14.125 MB");
        assertEquals(16 * MB, HugePages.advised(14 * MB + MB / 2), "1.5 MB is under an eighth of 14.5 MB");
        assertEquals(0, HugePages.advised(MB));
    }

    @Test
    void smallRequestsAndTheSwitchLeaveTheAllocationToTheCaller() {
        try (Arena arena = Arena.ofShared()) {
            assertNull(HugePages.allocate(HugePages.SIZE - 1, arena), "under one huge page");
            try (TemporaryProperty off = TemporaryProperty.set(HugePages.PROPERTY, "false")) {
                assertNull(HugePages.allocate(4 * MB, arena), "switched off");
            }
        }
    }

    @Test
    void aBadSwitchValueIsRefusedByNameWhenTheDeviceOpens() {
        int open = OpenDevices.count();
        try (TemporaryProperty bad = TemporaryProperty.set(HugePages.PROPERTY, "yes")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CpuDevice.open(DeviceOptions.defaults().withThreads(1)).close());
            assertTrue(e.getMessage().contains(HugePages.PROPERTY) && e.getMessage().contains("'yes'"), e.getMessage());
            assertEquals(open, OpenDevices.count(), "no half-made device is left for the exit hook to close");
            Availability a = new CpuBackendProvider().probe();
            assertFalse(a.available());
            assertTrue(a.reason().contains(HugePages.PROPERTY), a.reason());
        }
        Availability a = new CpuBackendProvider().probe();
        assertTrue(a.available() && a.reason().contains("huge pages"), a.reason());
    }

    /** A ternary weight over a huge page sits in mapped memory and reads back the checkpoint bytes, with the switch on or off. */
    @Test
    void largeTernaryWeightsAreMappedAndRoundTrip() {
        int out = 4096;
        int in = 4096; // over 3.5 MB in either kernel's layout
        byte[] hf = HfTernaryCodec.encode(Host.randomTernary(new Random(11), out * in), out, in);
        try (CpuDevice device = CpuDevice.open(DeviceOptions.defaults().withThreads(1))) {
            try (Tensor w = device.uploadTernary(out, in, MemorySegment.ofArray(hf), 0.5f, MemoryPlacement.DEVICE_DRAM)) {
                if (HugePages.offered()) {
                    assertEquals(0, ((CpuTensor) w).segment().address() % HugePages.SIZE, "a mapped weight starts on a 2 MB boundary");
                }
                assertArrayEquals(hf, downloaded(w, hf.length));
            }
            try (TemporaryProperty off = TemporaryProperty.set(HugePages.PROPERTY, "false");
                 Tensor w = device.uploadTernary(out, in, MemorySegment.ofArray(hf), 0.5f, MemoryPlacement.DEVICE_DRAM)) {
                assertArrayEquals(hf, downloaded(w, hf.length));
            }
        }
    }

    private static byte[] downloaded(Tensor t, int bytes) {
        byte[] back = new byte[bytes];
        t.download(MemorySegment.ofArray(back));
        return back;
    }

    private static boolean mapped(long address) throws IOException {
        List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
        for (String line : maps) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            long start = Long.parseUnsignedLong(range[0], 16);
            long end = Long.parseUnsignedLong(range[1], 16);
            if (Long.compareUnsigned(start, address) <= 0 && Long.compareUnsigned(address, end) < 0) {
                return true;
            }
        }
        return false;
    }

    private static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
