package io.bitnettt.tt.roofline;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RooflineTest {

    private final Roofline roofline = new Roofline(Roofline.DEFAULT_OP_OVERHEAD_SECONDS);

    private static DecodeCounts bytesOnly(long bytes) {
        return new DecodeCounts(0, bytes, 0, 0, 0, 0);
    }

    @Test
    void oneGigabytePerTokenAt288GBpsIs288TokensPerSecond() {
        // 1e9 B / (288e9 B/s) = 1/288 s per token -> 288 tokens/s, memory bound.
        Roofline.Estimate e = roofline.estimate(CardSpec.N150, bytesOnly(1_000_000_000L));
        assertEquals(288.0, e.tokensPerSecond(), 1e-9);
        assertEquals(Roofline.Bound.MEMORY, e.bound());
    }

    @Test
    void readsAndWritesBothCountAsDramTraffic() {
        // (4e8 + 1.12e8) B = 5.12e8 B at 512e9 B/s = 1 ms -> 1000 tokens/s.
        Roofline.Estimate e = roofline.estimate(CardSpec.P150, new DecodeCounts(0, 400_000_000L, 112_000_000L, 0, 0, 0));
        assertEquals(1000.0, e.tokensPerSecond(), 1e-9);
    }

    @Test
    void manySmallOpsHitTheDispatchFloor() {
        // memory: 1e8 / 288e9 = 0.347 ms; dispatch: 1000 ops x 6 us (the sourced default) = 6 ms -> 166.7 tokens/s.
        Roofline.Estimate e = roofline.estimate(CardSpec.N150, new DecodeCounts(1000, 100_000_000L, 0, 0, 1, 0));
        assertEquals(1000.0 / 6, e.tokensPerSecond(), 1e-9);
        assertEquals(Roofline.Bound.DISPATCH, e.bound());
    }

    @Test
    void computeBoundUsesThePublishedBf16PeakAndIsSkippedWhereNoneIsPublished() {
        // n150: 74e12 FLOPs / 74e12 FLOP/s = 1 s (memory 1e9/288e9 = 3.5 ms) -> 1 token/s, compute bound.
        DecodeCounts counts = new DecodeCounts(0, 1_000_000_000L, 0, 0, 0, 74_000_000_000_000L);
        Roofline.Estimate wormhole = roofline.estimate(CardSpec.N150, counts);
        assertEquals(1.0, wormhole.tokensPerSecond(), 1e-12);
        assertEquals(Roofline.Bound.COMPUTE, wormhole.bound());
        // p150: no TFLOPS published, so only memory counts: 512e9 / 1e9 = 512 tokens/s.
        Roofline.Estimate blackhole = roofline.estimate(CardSpec.P150, counts);
        assertEquals(512.0, blackhole.tokensPerSecond(), 1e-9);
        assertEquals(Roofline.Bound.MEMORY, blackhole.bound());
    }

    @Test
    void n300CountsOneChipOfTwo() {
        // One chip: 576 / 2 = 288 GB/s, 24 GB / 2 = 12 GB, 64 cores.
        assertEquals(288.0, CardSpec.N300_ONE_CHIP.dramGBps());
        assertEquals(12_000_000_000L, CardSpec.N300_ONE_CHIP.dramBytes());
        assertEquals(64, CardSpec.N300_ONE_CHIP.tensixCores());
        assertEquals(288.0, roofline.estimate(CardSpec.N300_ONE_CHIP, bytesOnly(1_000_000_000L)).tokensPerSecond(), 1e-9);
    }

    @Test
    void tableIsLabelledAnEstimateAndHasOneRowPerCard() {
        String table = roofline.markdownTable(CardSpec.all(), bytesOnly(1_000_000_000L));
        assertTrue(table.contains("estimate"), table);
        assertTrue(table.contains("one of its two chips"), table);
        assertTrue(table.contains("| card | DRAM GB/s | bytes/token | est. tokens/s | bound |"), table);
        assertTrue(table.contains("| n150 (Wormhole, 1 chip) | 288 | 1000000000 | 288.0 | memory |"), table);
        assertTrue(table.contains("| p150 (Blackhole) | 512 | 1000000000 | 512.0 | memory |"), table);
        assertEquals(2 + 1 + 2 + CardSpec.all().size(), table.split("\n", -1).length, table);
    }

    @Test
    void rejectsCountsWithoutAnyCostAndNegativeOverhead() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> roofline.estimate(CardSpec.N150, new DecodeCounts(0, 0, 0, 0, 0, 0)));
        assertTrue(e.getMessage().contains("no cost"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Roofline(-1e-6));
        assertThrows(IllegalArgumentException.class, () -> new DecodeCounts(-1, 0, 0, 0, 0, 0));
    }

    @Test
    void everyCardCitesOnlyPositiveFigures() {
        for (CardSpec card : List.of(CardSpec.N150, CardSpec.N300_ONE_CHIP, CardSpec.P150)) {
            assertEquals(1, card.chipsUsed(), card.name());
            assertEquals(1_572_864L, card.l1BytesPerCore(), card.name()); // 1.5 MiB
        }
        assertTrue(CardSpec.P150.bf16Tflops().isEmpty());
    }
}
