package io.bitnettt.tt.roofline;

import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Published figures of one Tenstorrent card, as seen by a single-device decode.
 *
 * <p>Figures marked absent were not found in Tenstorrent's published specifications (none of the
 * pages cited below gives a BFP4 figure, and the stored Blackhole page gives no TFLOPS at all);
 * they are left out, not estimated.
 *
 * @param name           card name as used in the table
 * @param chipsUsed      chips a single-device decode runs on
 * @param dramGBps       DRAM bandwidth available to those chips, 10^9 bytes per second
 * @param dramBytes      DRAM capacity available to those chips
 * @param tensixCores    Tensix cores of those chips
 * @param l1BytesPerCore L1 SRAM per Tensix core
 * @param bf16Tflops     peak FP16/BF16 matmul TFLOPS of those chips, if published
 * @param bfp8Tflops     peak BLOCKFP8 matmul TFLOPS of those chips, if published
 */
public record CardSpec(String name, int chipsUsed, double dramGBps, long dramBytes, int tensixCores,
                       long l1BytesPerCore, OptionalDouble bf16Tflops, OptionalDouble bfp8Tflops) {

    private static final long GB = 1_000_000_000L;
    private static final long MIB = 1L << 20;
    // "SRAM: 120MB (1.5MB per Tensix Core)" (Wormhole) and "210 MB (1.5 MB per Tensix Core)"
    // (Blackhole); read as 1.5 MiB, the unit TT-Metalium reports L1 in.
    private static final long L1_PER_CORE = 3 * MIB / 2;

    public CardSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bf16Tflops, "bf16Tflops");
        Objects.requireNonNull(bfp8Tflops, "bfp8Tflops");
        if (chipsUsed < 1 || !(dramGBps > 0) || dramBytes <= 0 || tensixCores <= 0 || l1BytesPerCore <= 0) {
            throw new IllegalArgumentException("CardSpec " + name + ": chipsUsed, dramGBps, dramBytes, tensixCores and "
                    + "l1BytesPerCore must be positive, got " + chipsUsed + ", " + dramGBps + ", " + dramBytes + ", "
                    + tensixCores + ", " + l1BytesPerCore);
        }
    }

    /**
     * Wormhole n150 (one chip). Source for every figure:
     * https://docs.tenstorrent.com/aibs/wormhole/specifications.html (n150s/n150d column):
     * 288 GB/sec, 12GB GDDR6, 72 Tensix cores, TeraFLOPS FP16 74, BLOCKFP8 148.
     */
    public static final CardSpec N150 = new CardSpec("n150 (Wormhole, 1 chip)", 1,
            288, 12 * GB, 72, L1_PER_CORE, OptionalDouble.of(74), OptionalDouble.of(148));

    /**
     * Wormhole n300, counting ONE of its two chips. A single-device decode (what libbitnet_ttnn.so
     * opens: a unit mesh) runs on one chip unless the model is split across both, which this
     * project does not do. Source: https://docs.tenstorrent.com/aibs/wormhole/specifications.html
     * (n300s/n300d column): 576 GB/sec, 24GB GDDR6, 128 Tensix cores "(64 per ASIC)", FP16 131,
     * BLOCKFP8 262 for the card; one chip gets half of the bandwidth and memory (the card has two
     * 12GB, 288 GB/s chips, each like the n150's), 64 cores, and half the TFLOPS.
     */
    public static final CardSpec N300_ONE_CHIP = new CardSpec("n300 (Wormhole, 1 of 2 chips)", 1,
            576 / 2.0, 24 * GB / 2, 64, L1_PER_CORE, OptionalDouble.of(131 / 2.0), OptionalDouble.of(262 / 2.0));

    /**
     * Blackhole p150 (p150a/p150b). Source:
     * https://docs.tenstorrent.com/_sources/aibs/blackhole/specifications.md.txt (p150a/p150b columns):
     * 512 GB/sec, 32 GB GDDR6, 140 Tensix cores. That page gives no TFLOPS, so none are set here.
     * Note: a third-party report (servernews.ru/1136519, 2026-02) says a later firmware enables
     * 120 cores on p150 cards; the published page above still says 140.
     */
    public static final CardSpec P150 = new CardSpec("p150 (Blackhole)", 1,
            512, 32 * GB, 140, L1_PER_CORE, OptionalDouble.empty(), OptionalDouble.empty());

    public static List<CardSpec> all() {
        return List.of(N150, N300_ONE_CHIP, P150);
    }
}
