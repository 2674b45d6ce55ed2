package io.bitnettt.jmh.report;

import java.util.Map;

/**
 * One JMH score with its error (NaN when JMH could not compute one, e.g. from a single iteration)
 * and unit as JMH writes it: {@code ops/s}, {@code ops/ms}, ... for throughput, {@code s/op},
 * {@code ms/op}, ... for average and single-shot time.
 */
public record Metric(double score, double error, String unit) {
    private static final Map<String, Double> SECONDS = Map.of(
            "ns", 1e-9, "us", 1e-6, "ms", 1e-3, "s", 1.0, "min", 60.0, "hr", 3600.0, "day", 86400.0);

    /** Whether the unit is a time per op (lower is better) rather than ops per time. */
    public boolean isTimePerOp() {
        return unit.endsWith("/op");
    }

    /** Seconds one op takes, from either kind of unit. */
    public double secondsPerOp() {
        return isTimePerOp() ? score * seconds() : 1.0 / (score / seconds());
    }

    /** Error of {@link #secondsPerOp()}; first-order (relative error kept) when the unit is a rate. */
    public double secondsPerOpError() {
        return isTimePerOp() ? error * seconds() : secondsPerOp() * (error / score);
    }

    /** Ops per second, from either kind of unit. */
    public double opsPerSecond() {
        return isTimePerOp() ? 1.0 / (score * seconds()) : score / seconds();
    }

    /** Error of {@link #opsPerSecond()}; first-order (relative error kept) when the unit is a time. */
    public double opsPerSecondError() {
        return isTimePerOp() ? opsPerSecond() * (error / score) : error / seconds();
    }

    /** Seconds in the time unit of {@link #unit}: the denominator of a rate or the numerator of a time. */
    private double seconds() {
        String[] parts = unit.split("/", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("JMH score unit '" + unit + "': expected ops/<time> or <time>/op");
        }
        String time = isTimePerOp() ? parts[0] : parts[1];
        if (!isTimePerOp() && !parts[0].equals("ops")) {
            throw new IllegalArgumentException("JMH score unit '" + unit + "': expected ops/<time> or <time>/op");
        }
        Double s = SECONDS.get(time);
        if (s == null) {
            throw new IllegalArgumentException("JMH score unit '" + unit + "': unknown time unit '" + time
                    + "', expected one of " + SECONDS.keySet());
        }
        return s;
    }
}
