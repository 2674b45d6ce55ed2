package io.bitnettt.jmh.report;

import java.util.Map;
import java.util.Optional;

/**
 * One entry of a JMH JSON result file ({@code -rf json}): a benchmark method at one parameter
 * combination.
 *
 * @param benchmark  fully qualified method, e.g. {@code io.bitnettt.jmh.ops.RmsNormBenchmark.rmsNorm}
 * @param mode       JMH's short mode name: {@code thrpt}, {@code avgt}, {@code ss}, ...
 * @param params     the {@code @Param} values; empty for a benchmark without parameters
 * @param secondary  secondary metrics by name, e.g. {@code @AuxCounters} fields
 * @param jdk        JDK version of the forked JVM, e.g. {@code 25.0.1}
 * @param vm         VM name and version of the forked JVM
 */
public record JmhResult(String benchmark, String mode, Map<String, String> params, Metric primary,
                        Map<String, Metric> secondary, String jdk, String vm) {
    public JmhResult {
        params = Map.copyOf(params);
        secondary = Map.copyOf(secondary);
    }

    /** {@code Class.method}, without the package. */
    public String simpleName() {
        int method = benchmark.lastIndexOf('.');
        int type = benchmark.lastIndexOf('.', method - 1);
        return benchmark.substring(type + 1);
    }

    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name));
    }

    /** A parameter the benchmark must have. */
    public String requireParam(String name) {
        return param(name).orElseThrow(() -> new IllegalArgumentException(
                "JMH result " + benchmark + " " + params + ": missing parameter '" + name + "'"));
    }

    public int intParam(String name) {
        String v = requireParam(name);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("JMH result " + benchmark + ": parameter '" + name
                    + "' should be an integer, was '" + v + "'", e);
        }
    }

    public Metric requireSecondary(String name) {
        Metric m = secondary.get(name);
        if (m == null) {
            throw new IllegalArgumentException("JMH result " + benchmark + " " + params + ": missing secondary metric '"
                    + name + "', found " + secondary.keySet());
        }
        return m;
    }
}
