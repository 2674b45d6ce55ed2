package io.bitnettt.jmh.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One line of the report: a JMH result with its natural unit and, for streaming workloads, its
 * memory traffic and that traffic's share of the copy bandwidth at the same thread count.
 * Absent figures are NaN (and an empty unit).
 */
public record ReportRow(String benchmark, String backend, String threads, String shape, Metric jmh,
                        double natural, double naturalError, String naturalUnit, double trafficGBs,
                        double shareOfCopy) {

    static final String NONE = "—";
    static final String COPY = "MemoryCopyBenchmark.copy";

    /** Rows in the order of the results, each traffic set against the copy row with the same threads. */
    public static List<ReportRow> of(List<JmhResult> results, Workloads workloads) {
        List<ReportRow> rows = new ArrayList<>();
        for (JmhResult r : results) {
            rows.add(row(r, workloads.of(r)));
        }
        List<ReportRow> withShare = new ArrayList<>();
        for (ReportRow row : rows) {
            double copy = rows.stream().filter(c -> c.benchmark.equals(COPY) && c.threads.equals(row.threads))
                    .mapToDouble(ReportRow::trafficGBs).findFirst().orElse(Double.NaN);
            withShare.add(new ReportRow(row.benchmark, row.backend, row.threads, row.shape, row.jmh, row.natural,
                    row.naturalError, row.naturalUnit, row.trafficGBs, row.trafficGBs / copy));
        }
        return withShare;
    }

    private static ReportRow row(JmhResult r, Optional<Workload> w) {
        String backend = r.param("backend").orElse(NONE);
        String threads = r.param("threads").orElse(NONE);
        if (w.isEmpty()) {
            return new ReportRow(r.simpleName(), backend, threads, r.params().toString(), r.primary(),
                    Double.NaN, Double.NaN, "", Double.NaN, Double.NaN);
        }
        double[] natural = w.get().natural(r);
        return new ReportRow(r.simpleName(), backend, threads, w.get().shape(), r.primary(), natural[0], natural[1],
                w.get().unit(), w.get().trafficGBs(r), Double.NaN);
    }
}
