package io.bitnettt.jmh.report;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parses a hand-written JMH JSON fragment (jmh-fragment.json) and checks the natural units against
 * figures worked out by hand from the 2B-4T shapes (d 2560, kv 640, ffn 6912, vocab 128256, 30 layers).
 */
class ReportTest {
    private static final double EPS = 1e-9;
    private static List<JmhResult> results;
    private static List<ReportRow> rows;

    @BeforeAll
    static void parse() throws IOException {
        try (InputStream in = ReportTest.class.getResourceAsStream("/jmh-fragment.json")) {
            results = JmhJson.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "jmh-fragment.json");
        }
        rows = ReportRow.of(results, Workloads.bitnet2B4T());
    }

    @Test
    void readsEveryResultWithParamsAndJvm() {
        assertEquals(10, results.size());
        JmhResult r = results.getFirst();
        assertEquals("TernaryLinearBenchmark.linear", r.simpleName());
        assertEquals("q", r.requireParam("shape"));
        assertEquals("25.0.1", r.jdk());
        assertEquals("OpenJDK 64-Bit Server VM 25.0.1+8-LTS", r.vm());
        assertTrue(Double.isNaN(results.get(2).primary().error()), "JMH's \"NaN\" error");
    }

    @Test
    void gemvGweightsTrafficAndShareOfCopy() {
        ReportRow r = rows.get(0);
        // 1000 ops/s × 2560 × 2560 weights = 6.5536 Gweights/s; error 50 × 6553600 / 1e9.
        assertEquals(6.5536, r.natural(), EPS);
        assertEquals(0.32768, r.naturalError(), EPS);
        assertEquals("Gweights/s", r.naturalUnit());
        // Bytes per op: 6553600 / 4 (2-bit weights) + 4 × (2560 in + 2560 out) = 1658880.
        assertEquals(1.65888, r.trafficGBs(), EPS);
        // Copy at 1 thread: 10 ops/s × 2 × 256 MiB = 5.36870912 GB/s; 1658880 / 536870912 = 0.308990478515625.
        assertEquals(0.308990478515625, r.shareOfCopy(), EPS);
        assertEquals("GEMV q 2560→2560, 1 token", r.shape());
    }

    @Test
    void gemmCountsTokenWeightsOfBothMatrices() {
        ReportRow r = rows.get(1);
        // 5 ops/s × 128 tokens × 2 × 6912 × 2560 = 22.6492416 token-Gweights/s.
        assertEquals(22.6492416, r.natural(), EPS);
        assertEquals(4.52984832, r.naturalError(), EPS);
        assertEquals("tenstorrent-emulator", r.backend());
        assertTrue(Double.isNaN(r.shareOfCopy()), "no copy row at 2 threads");
    }

    @Test
    void streamedGemvNamesItsCopiesAndCountsOneMatrixPerOp() {
        String json = """
                [ { "benchmark" : "io.bitnettt.jmh.ops.TernaryLinearBenchmark.linear", "mode" : "thrpt",
                    "jdkVersion" : "25.0.1",
                    "params" : { "backend" : "cpu", "shape" : "gateUp", "threads" : "2", "tokens" : "1", "layers" : "8" },
                    "primaryMetric" : { "score" : 100.0, "scoreError" : 10.0, "scoreUnit" : "ops/s" },
                    "secondaryMetrics" : { } } ]""";
        ReportRow r = ReportRow.of(JmhJson.parse(json, "inline"), Workloads.bitnet2B4T()).getFirst();
        // One op is one copy: 100 ops/s × 2 × 6912 × 2560 = 3.538944 Gweights/s, whatever the copy count.
        assertEquals(3.538944, r.natural(), EPS);
        // 8 copies × 2 × 6912 × 2560 weights / 4 bytes = 70.778880 MB.
        assertEquals("GEMV gateUp 2560→2×6912, 1 token, 8 copies cycled (71 MB of weights)", r.shape());
    }

    @Test
    void copyCountsReadAndWrite() {
        ReportRow r = rows.get(2);
        assertEquals(5.36870912, r.natural(), EPS);
        assertTrue(Double.isNaN(r.naturalError()));
        assertEquals("GB/s (read+write)", r.naturalUnit());
        assertEquals(1.0, r.shareOfCopy(), EPS);
        assertEquals(ReportRow.NONE, r.backend());
    }

    @Test
    void attentionConvertsOpsPerMillisecond() {
        ReportRow r = rows.get(3);
        // 2 ops/ms = 2000 ops/s; K and V: 2 × 4 × 1024 × 640 bytes, plus q and out 2 × 4 × 2560.
        assertEquals(10.52672, r.natural(), EPS);
        assertEquals(0.5 * 1000 * 5263360 / 1e9, r.naturalError(), EPS);
        assertEquals("GB/s", r.naturalUnit());
    }

    @Test
    void attentionCountsTheCacheElementAndEveryLayer() {
        ReportRow r = attentionAt4096Over30Layers("bf16");
        // 30 × (K and V: 2 × 2 × 4096 × 640 bytes, plus q and out 2 × 4 × 2560) = 30 × 10506240 = 315187200 bytes per op.
        assertEquals(20.0 * 315187200 / 1e9, r.natural(), EPS);
        assertEquals("context 4096, 20/5 heads × 128, bf16 cache, 30 layers", r.shape());
    }

    @Test
    void anInt8CacheCountsItsCodesAndOneScalePerKvHead() {
        ReportRow r = attentionAt4096Over30Layers("int8");
        // 30 × (K and V: 2 × 4096 × (640 codes + 5 scales × 4 bytes), plus q and out 2 × 4 × 2560)
        // = 30 × (5406720 + 20480) = 162816000 bytes per op.
        assertEquals(20.0 * 162816000 / 1e9, r.natural(), EPS);
        assertEquals("context 4096, 20/5 heads × 128, int8 cache, 30 layers", r.shape());
    }

    /** An {@code AttentionDecodeBenchmark} result of 20 ops/s at context 4096 over 30 layers of 2B-4T. */
    private static ReportRow attentionAt4096Over30Layers(String kvCache) {
        String json = """
                [{"benchmark": "io.bitnettt.jmh.ops.AttentionDecodeBenchmark.attentionDecode", "mode": "thrpt",
                  "params": {"backend": "cpu", "context": "4096", "threads": "1", "kvCache": "%s", "layers": "30"},
                  "primaryMetric": {"score": 20.0, "scoreError": 1.0, "scoreUnit": "ops/s"}, "secondaryMetrics": {}}]
                """.formatted(kvCache);
        return ReportRow.of(JmhJson.parse(json, "inline"), Workloads.bitnet2B4T()).getFirst();
    }

    @Test
    void attentionRefusesAnUnknownCacheType() {
        String json = """
                [{"benchmark": "io.bitnettt.jmh.ops.AttentionDecodeBenchmark.attentionDecode", "mode": "thrpt",
                  "params": {"backend": "cpu", "context": "128", "threads": "1", "kvCache": "int4"},
                  "primaryMetric": {"score": 1.0, "scoreError": 0.1, "scoreUnit": "ops/s"}, "secondaryMetrics": {}}]
                """;
        List<JmhResult> parsed = JmhJson.parse(json, "inline");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportRow.of(parsed, Workloads.bitnet2B4T()));
        assertTrue(e.getMessage().contains("'kvCache' is 'int4'"), e.getMessage());
    }

    @Test
    void decodeStepStreamsTheWholeModel() {
        ReportRow r = rows.get(4);
        assertEquals(8.0, r.natural(), EPS);
        assertEquals("tokens/s", r.naturalUnit());
        // 30 layers × 69468160 weights / 4 + 2 × 128256 × 2560 = 1177681920 bytes per token.
        assertEquals(9.42145536, r.trafficGBs(), EPS);
    }

    @Test
    void prefillAndTimeToFirstToken() {
        assertEquals(16.0, rows.get(5).natural(), EPS);
        assertEquals(3.2, rows.get(5).naturalError(), EPS);
        // 0.2 ops/s is 5 s per op; 10 % relative error carries over.
        assertEquals(5.0, rows.get(6).natural(), EPS);
        assertEquals(0.5, rows.get(6).naturalError(), EPS);
        assertEquals("s to first token", rows.get(6).naturalUnit());
    }

    @Test
    void singleShotLoadInMillisecondsBecomesSeconds() {
        ReportRow r = rows.get(7);
        assertEquals(2.5, r.natural(), EPS);
        assertEquals(0.5, r.naturalError(), EPS);
        assertEquals("s per load", r.naturalUnit());
        assertEquals("2B-4T packed checkpoint", r.shape());
    }

    @Test
    void aGgufLoadRowCarriesItsMemory() {
        String json = """
                [{"benchmark": "io.bitnettt.jmh.load.LoadBenchmark.open", "mode": "ss", "params": {"form": "gguf"},
                  "primaryMetric": {"score": 3.0, "scoreError": 0.5, "scoreUnit": "s/op"},
                  "secondaryMetrics": {"decodedMB": {"score": 521.0, "scoreError": 0.0, "scoreUnit": "#"},
                                       "mappedMB": {"score": 1187.8, "scoreError": 0.0, "scoreUnit": "#"},
                                       "rssMB": {"score": 1934.4, "scoreError": 10.0, "scoreUnit": "#"}}}]
                """;
        ReportRow r = ReportRow.of(JmhJson.parse(json, "inline"), Workloads.bitnet2B4T()).getFirst();
        assertEquals("2B-4T GGUF (I2_S) checkpoint, 521 MB decoded, RSS 1934 MB", r.shape());
        assertEquals(3.0, r.natural(), EPS);
    }

    @Test
    void tokenizerUsesTheBytesCounter() {
        ReportRow r = rows.get(8);
        assertEquals(21.0, r.natural(), EPS);
        assertEquals(1.0, r.naturalError(), EPS);
        assertEquals("MB/s", r.naturalUnit());
    }

    @Test
    void unknownBenchmarkKeepsOnlyItsJmhScore() {
        ReportRow r = rows.get(9);
        assertTrue(Double.isNaN(r.natural()));
        assertEquals("OtherBenchmark.run", r.benchmark());
        assertEquals(3.0, r.jmh().score(), EPS);
    }

    @Test
    void markdownRowShowsScoreNaturalUnitAndShare() {
        MarkdownReport.Header h = new MarkdownReport.Header("2026-01-01T00:00:00Z", "bin/bench --quick",
                new MachineInfo("Test CPU", 2, 4L << 30, "Linux", null), "25.0.1", List.of("backend `tt`: no device"));
        String md = MarkdownReport.render(h, rows);
        assertTrue(md.contains("| TernaryLinearBenchmark.linear | cpu | 1 | GEMV q 2560→2560, 1 token | 1000 ± 50 ops/s"
                + " | 6.55 ± 0.33 Gweights/s | 1.66 GB/s (31 %) |"), md);
        assertTrue(md.contains("| MemoryCopyBenchmark.copy | — | 1 | 256 MiB | 10.0 ± ? ops/s"), md);
        assertTrue(md.contains("Test CPU, 2 logical CPUs, 4.0 GiB, Linux"), md);
        assertTrue(md.contains("- Skipped backend `tt`: no device\n"), md);
        assertTrue(md.contains("`tenstorrent-emulator` is the TT-NN shim over the host double of TT-NN"), md);
        assertTrue(md.contains("bin/bench --quick"), md);
    }

    @Test
    void malformedResultsNameTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JmhJson.parse("[{\"benchmark\":\"a.B.c\",\"mode\":\"thrpt\"}]", "x.json"));
        assertTrue(e.getMessage().contains("x.json result #0 primaryMetric"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JmhJson.parse("{}", "y.json"));
        assertTrue(e.getMessage().contains("y.json: expected a JSON array"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Metric(1, 0, "furlongs/op").opsPerSecond());
        assertTrue(e.getMessage().contains("unknown time unit 'furlongs'"), e.getMessage());
    }

    @Test
    void machineInfoFromProcFormats() {
        assertEquals("AMD EPYC 7763 64-Core Processor", MachineInfo.cpuModel(List.of("processor\t: 0",
                "vendor_id\t: AuthenticAMD", "model name\t: AMD EPYC 7763 64-Core Processor")));
        assertEquals(24_000_000L * 1024, MachineInfo.memTotal(List.of("MemTotal:       24000000 kB", "MemFree: 1 kB")));
        assertEquals(-1, MachineInfo.memTotal(List.of()));
        assertEquals("madvise", MachineInfo.hugePageMode(List.of("always [madvise] never")));
        assertEquals("never", MachineInfo.hugePageMode(List.of("always madvise [never]")));
        assertNull(MachineInfo.hugePageMode(List.of()), "no /sys file");
        assertEquals("Some CPU, 2 logical CPUs, 4.0 GiB, Linux 6 amd64, transparent huge pages madvise",
                new MachineInfo("Some CPU", 2, 4L << 30, "Linux 6 amd64", "madvise").describe());
        assertEquals("Some CPU, 2 logical CPUs, 4.0 GiB, Linux 6 amd64",
                new MachineInfo("Some CPU", 2, 4L << 30, "Linux 6 amd64", null).describe());
    }

    @Test
    void readmeSectionReplacesOnlyBetweenMarkers() {
        String readme = "# T\n## Performance\nintro\n" + ReadmeSection.BEGIN + "\nold table\n" + ReadmeSection.END
                + "\n## Next\n";
        assertEquals("# T\n## Performance\nintro\n" + ReadmeSection.BEGIN + "\nnew table\n" + ReadmeSection.END
                + "\n## Next\n", ReadmeSection.replace(readme, "new table", "README.md"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReadmeSection.replace("# no markers\n", "x", "README.md"));
        assertTrue(e.getMessage().startsWith("README.md: expected one line"), e.getMessage());
    }
}
