package io.bitnettt.spi;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BackendSelectorTest {

    @Test
    void autoPicksTheAvailableProviderOfHighestPriority() {
        var selector = new BackendSelector(List.of(
                FakeProvider.up("slow", 1), FakeProvider.up("fast", 50), FakeProvider.up("mid", 10)));
        assertEquals("fast", selector.select("auto").name());
        assertEquals("fast", selector.select(null).name());
        assertEquals("fast", selector.select("  ").name());
    }

    @Test
    void autoSkipsUnavailableProvidersEvenWithHigherPriority() {
        var selector = new BackendSelector(List.of(
                FakeProvider.up("cpu", 10), FakeProvider.down("card", 100, "no card on PCIe bus")));
        assertEquals("cpu", selector.select("auto").name());
    }

    @Test
    void probeAllOrdersByPriorityAndKeepsReasons() {
        var selector = new BackendSelector(List.of(
                FakeProvider.up("cpu", 10), FakeProvider.down("card", 100, "no card on PCIe bus")));
        List<ProbeResult> results = selector.probeAll();
        assertEquals(List.of("card", "cpu"), results.stream().map(ProbeResult::name).toList());
        assertEquals("no card on PCIe bus", results.get(0).availability().reason());
        assertTrue(results.get(0).toString().contains("unavailable - no card on PCIe bus"));
    }

    @Test
    void namedSelectionIsCaseInsensitive() {
        var selector = new BackendSelector(List.of(FakeProvider.up("cpu", 10), FakeProvider.up("card", 100)));
        assertEquals("cpu", selector.select("CPU").name());
    }

    @Test
    void namedButUnavailableNamesItSaysWhyAndListsTheAvailableOnes() {
        var selector = new BackendSelector(List.of(
                FakeProvider.up("cpu", 10), FakeProvider.down("card", 100, "driver not loaded")));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> selector.select("card"));
        assertEquals("card", e.backend());
        assertEquals("[card] select: backend 'card' is unavailable: driver not loaded; available backends: [cpu]",
                e.getMessage());
    }

    @Test
    void unknownNameListsKnownAndAvailable() {
        var selector = new BackendSelector(List.of(FakeProvider.up("cpu", 10), FakeProvider.down("card", 100, "x")));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> selector.select("gpu"));
        assertEquals("[gpu] select: no backend named 'gpu' is registered; known: [card, cpu], available: [cpu]",
                e.getMessage());
    }

    @Test
    void autoWithNothingAvailableGivesEveryReason() {
        var selector = new BackendSelector(List.of(
                FakeProvider.down("a", 1, "reason one"), FakeProvider.down("b", 2, "reason two")));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> selector.select("auto"));
        assertEquals("[auto] select: no backend is available: b: reason two; a: reason one", e.getMessage());
    }

    @Test
    void autoWithNoProvidersAtAll() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> new BackendSelector(List.of()).select("auto"));
        assertTrue(e.getMessage().contains("none registered on the class path"), e.getMessage());
    }

    @Test
    void aThrowingProbeIsReportedAsUnavailableNotPropagated() {
        var throwing = new BackendProvider() {
            public String name() { return "throws"; }
            public int priority() { return 99; }
            public Availability probe() { throw new IllegalStateException("boom"); }
            public Device open(DeviceOptions o) { throw new AssertionError(); }
        };
        var selector = new BackendSelector(List.of(throwing, FakeProvider.up("cpu", 1)));
        assertEquals("cpu", selector.select("auto").name());
        assertTrue(selector.probeAll().get(0).availability().reason().contains("probe failed"));
    }

    @Test
    void unavailableWithoutReasonIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Availability.unavailable(" "));
    }

    @Test
    void autoNeverPicksAProviderThatIsChosenOnlyByNameButTheNameStillWorks() {
        var explicitOnly = new BackendProvider() {
            public String name() { return "emulator"; }
            public int priority() { return 1000; }
            public boolean autoSelectable() { return false; }
            public Availability probe() { return Availability.available("emulated card"); }
            public Device open(DeviceOptions o) { throw new UnsupportedOperationException(); }
        };
        var selector = new BackendSelector(List.of(FakeProvider.up("cpu", 10), explicitOnly));
        assertEquals("cpu", selector.select("auto").name());
        assertSame(explicitOnly, selector.select("emulator"));

        var onlyExplicit = new BackendSelector(List.of(explicitOnly));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> onlyExplicit.select("auto"));
        assertEquals("[auto] select: no backend is available: emulator: chosen only by name", e.getMessage());
    }
}
