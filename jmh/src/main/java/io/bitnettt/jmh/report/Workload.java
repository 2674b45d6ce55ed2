package io.bitnettt.jmh.report;

/**
 * What one op of a benchmark does, so its JMH score can be read in the benchmark's natural unit.
 *
 * @param shape       the parameters that set the work, for the table, e.g. {@code q 2560→2560, 1 token}
 * @param metric      the secondary metric to convert, or null for the primary score
 * @param workPerOp   natural units per op (e.g. Gweights per call); unused when {@code secondsPerOp}
 * @param unit        the natural unit, e.g. {@code Gweights/s}
 * @param secondsPerOp the natural figure is the time per op in seconds rather than a rate
 * @param bytesPerOp  bytes counted per op, as {@link Workloads} defines them (0: not a streaming workload);
 *                    gives the memory traffic to set against the copy benchmark
 */
public record Workload(String shape, String metric, double workPerOp, String unit, boolean secondsPerOp,
                       double bytesPerOp) {

    static Workload rate(String shape, double workPerOp, String unit, double bytesPerOp) {
        return new Workload(shape, null, workPerOp, unit, false, bytesPerOp);
    }

    static Workload time(String shape, String unit) {
        return new Workload(shape, null, 1, unit, true, 0);
    }

    /** The natural figure and its error for a result of this workload. */
    public double[] natural(JmhResult r) {
        Metric m = metric == null ? r.primary() : r.requireSecondary(metric);
        if (secondsPerOp) {
            return new double[] {m.secondsPerOp(), m.secondsPerOpError()};
        }
        return new double[] {m.opsPerSecond() * workPerOp, m.opsPerSecondError() * workPerOp};
    }

    /** Memory traffic in GB/s (10^9 bytes), or NaN when the workload does not stream memory. */
    public double trafficGBs(JmhResult r) {
        return bytesPerOp > 0 ? r.primary().opsPerSecond() * bytesPerOp / 1e9 : Double.NaN;
    }
}
