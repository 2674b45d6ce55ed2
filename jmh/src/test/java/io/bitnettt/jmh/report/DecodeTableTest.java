package io.bitnettt.jmh.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** {@link DecodeTableMain}'s table: prefill as 128 × ops/s, decode as ops/s, the larger peak RSS of a thread count's forks. */
class DecodeTableTest {
    private static JmhResult result(String method, int threads, double score, double error) {
        return new JmhResult("io.bitnettt.jmh.engine.DecodeStepBenchmark." + method, "thrpt",
                Map.of("backend", "cpu", "threads", Integer.toString(threads), "busyLoops", "0"),
                new Metric(score, error, "ops/s"), Map.of(), "25", "HotSpot");
    }

    @Test
    void rowsPerThreadCountWithTheirPeakMemory() {
        List<JmhResult> results = List.of(result("prefill128", 1, 0.5, 0.01), result("decode", 1, 10.25, 0.5),
                result("prefill128", 2, 1.0, Double.NaN), result("decode", 2, 15.0, 1.0),
                result("timeToFirstToken128", 1, 3, 0));
        List<String> rss = List.of(
                "io.bitnettt.jmh.engine.DecodeStepBenchmark.decode\t1\t2000000",
                "io.bitnettt.jmh.engine.DecodeStepBenchmark.prefill128\t1\t2500000",
                "io.bitnettt.jmh.engine.DecodeStepBenchmark.decode\t2\t1000000");
        String table = DecodeTableMain.table(results, rss, new MachineInfo("Some CPU", 2, 1L << 34, "Linux", null),
                "bin/bench-decode", "1.00 1.00 1.00 at start, 2.00 2.00 2.00 at end", Instant.parse("2026-12-06T05:00:00Z"));
        assertEquals("""
                Generated 2026-12-06T05:00:00Z on Some CPU, 2 logical CPUs, 16.0 GiB, Linux; load average (1/5/15 min) \
                1.00 1.00 1.00 at start, 2.00 2.00 2.00 at end, with:
                ```bash
                bin/bench-decode
                ```

                | engine | threads | prefill 128 (tokens/s) | decode 128 (tokens/s) | peak RSS |
                |---|---:|---:|---:|---:|
                | this project, JMH `DecodeStepBenchmark` | 1 | 64.0 ± 1.3 | 10.3 ± 0.5 | 2.56 GB |
                | this project, JMH `DecodeStepBenchmark` | 2 | 128.0 | 15.0 ± 1.0 | 1.02 GB |
                """, table);
    }
}
