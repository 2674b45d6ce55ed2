package io.bitnettt.jmh.report;

import java.util.List;
import java.util.Locale;

/** Renders report rows as the Markdown the README's performance section is made of. */
public final class MarkdownReport {

    /**
     * @param generated when, e.g. an ISO date-time
     * @param command   the command that produced the JMH results
     * @param jdk       the forked JVMs' JDK and VM
     * @param skipped   what was left out and why, e.g. "backend `x`: no device"
     */
    public record Header(String generated, String command, MachineInfo machine, String jdk, List<String> skipped) {
        public Header {
            skipped = List.copyOf(skipped);
        }
    }

    private MarkdownReport() {
    }

    public static String render(Header h, List<ReportRow> rows) {
        StringBuilder md = new StringBuilder();
        md.append("Generated ").append(h.generated()).append(" with:\n```bash\n").append(h.command()).append("\n```\n\n");
        md.append("- Machine: ").append(h.machine().describe()).append('\n');
        md.append("- JDK: ").append(h.jdk()).append('\n');
        for (String s : h.skipped()) {
            md.append("- Skipped ").append(s).append('\n');
        }
        rows.stream().map(ReportRow::backend).filter(b -> b.endsWith("-emulator")).distinct().forEach(b -> md
                .append("- `").append(b).append("` is the TT-NN shim over the host double of TT-NN: its rows time the host computing what a card "
                        + "would, not a card.\n"));
        md.append('\n');
        md.append("| Benchmark | Backend | Threads | Shape | JMH score ± error | Natural unit | Memory traffic (share of copy) |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (ReportRow r : rows) {
            md.append("| ").append(r.benchmark()).append(" | ").append(r.backend()).append(" | ").append(r.threads())
                    .append(" | ").append(r.shape()).append(" | ")
                    .append(plusMinus(r.jmh().score(), r.jmh().error())).append(' ').append(r.jmh().unit()).append(" | ")
                    .append(Double.isNaN(r.natural()) ? ReportRow.NONE
                            : plusMinus(r.natural(), r.naturalError()) + " " + r.naturalUnit())
                    .append(" | ").append(traffic(r)).append(" |\n");
        }
        md.append('\n').append("""
                Natural units come from the JMH score and the work one op does (`io.bitnettt.jmh.report.Workloads`): \
                Gweights/s counts ternary weights multiplied (tokens × out × in; for GEMM these are token-weights). \
                Memory traffic is a fixed count per op, whatever a backend repacks into (ternary weights at 2 bits \
                as packed in the checkpoint, F32 activations, the KV cache at its element type and for every layer \
                attended, the bf16 output table; a decode step \
                streams all weights once, about 1.18 GB; the CPU backend's 512-bit lookup layout holds 16 bits per \
                9 weights and so moves 8/9 of the weight bytes counted), GB = 10^9 bytes; its share is set against the copy benchmark's read+write GB/s \
                at the same thread count; working sets that fit in cache (RMSNorm of one token, attention at \
                short context or over one layer's cache) can exceed 100 %. ± is JMH's 99.9 % confidence half-width (? when one iteration gave none); \
                errors of converted time figures are first-order.
                """);
        return md.toString();
    }

    private static String traffic(ReportRow r) {
        if (Double.isNaN(r.trafficGBs())) {
            return ReportRow.NONE;
        }
        String gbs = number(r.trafficGBs(), decimals(r.trafficGBs())) + " GB/s";
        return Double.isNaN(r.shareOfCopy()) ? gbs
                : gbs + " (" + number(100 * r.shareOfCopy(), 0) + " %)";
    }

    /** Value and error with the value's three significant digits. */
    static String plusMinus(double value, double error) {
        int d = decimals(value);
        return number(value, d) + " ± " + (Double.isNaN(error) ? "?" : number(error, d));
    }

    private static int decimals(double v) {
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) {
            return 0;
        }
        return Math.clamp(2 - (int) Math.floor(Math.log10(Math.abs(v))), 0, 9);
    }

    private static String number(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
