package io.bitnettt.estimate;

import io.bitnettt.engine.ModelDims;
import io.bitnettt.tt.DeviceCounters;
import io.bitnettt.tt.roofline.CardSpec;
import io.bitnettt.tt.roofline.DecodeCounts;
import io.bitnettt.tt.roofline.Roofline;

import java.io.PrintStream;
import java.util.Locale;

/** Prints one {@link EmulatorDecodeCounts.Measurement}: the counts, the analytic cross-check, the roofline table. */
public final class DecodeEstimateReport {
    private final Roofline roofline;

    public DecodeEstimateReport(Roofline roofline) {
        this.roofline = roofline;
    }

    public void print(EmulatorDecodeCounts.Measurement m, PrintStream out) {
        DecodeCounts c = m.perToken();
        DeviceCounters t = m.total();
        out.printf(Locale.ROOT, "### Context %d: %d tokens decoded at positions %d..%d%n%n", m.context(), m.tokens(),
                m.context(), m.context() + m.tokens() - 1);
        out.printf(Locale.ROOT, "Per token, from the host double's counters (totals / %d):%n", m.tokens());
        out.printf(Locale.ROOT, "- TT-NN ops: %d (for %d fused primitives of the C ABI) in %d trace replay(s); "
                        + "allocations %d, layout conversions %d%n",
                c.ops(), EmulatorDecodeCounts.perToken(t.abiCalls(), m.tokens()), c.traceReplays(),
                EmulatorDecodeCounts.perToken(t.allocations(), m.tokens()),
                EmulatorDecodeCounts.perToken(t.layoutConversions(), m.tokens()));
        out.printf(Locale.ROOT, "- TT-NN ops per layer: %d (measured against the same model with %s), and %d per "
                        + "token outside the layers (embedding, rotary rows, final norm, LM head, argmax, positions)%n",
                m.opsPerLayer(), m.dims().layers() == 1 ? "two layers" : "one layer", m.opsOutsideLayers());
        out.println("- TT-NN ops by name: " + opsByName(m));
        out.printf(Locale.ROOT, "- host<->device: %d B (%d B in, %d B out)%n", c.hostDeviceBytes(),
                EmulatorDecodeCounts.perToken(t.hostToDeviceBytes(), m.tokens()),
                EmulatorDecodeCounts.perToken(t.deviceToHostBytes(), m.tokens()));
        out.printf(Locale.ROOT, "- DRAM: %,d B read + %,d B written = %,d B%n", c.dramBytesRead(),
                c.dramBytesWritten(), c.dramBytes());
        out.printf(Locale.ROOT, "- matmul FLOPs: %,d (analytic, BitNetDecodeModel: the host double does not count FLOPs)%n",
                c.matmulFlops());
        if (t.traceReplays() != m.tokens() || t.allocations() != 0 || t.layoutConversions() != 0) {
            out.println("- WARNING: the step is not one allocation-free replay per token; the counts include more "
                    + "than the replayed step");
        }
        crossCheck(m, out);
        out.println();
        out.print(roofline.markdownTable(CardSpec.all(), c));
        out.println();
        out.println("Per-op cost: " + roofline.opOverheadMicros() + " us, " + (roofline.opOverheadMicros()
                == Roofline.DEFAULT_OP_OVERHEAD_SECONDS * 1e6 ? Roofline.DEFAULT_OP_OVERHEAD_SOURCE : "as given")
                + "; it leaves out each small op's own kernel time (see README).");
        out.println();
    }

    private static void crossCheck(EmulatorDecodeCounts.Measurement m, PrintStream out) {
        long analytic = m.analyticBytesReadPerToken();
        long counted = m.perToken().dramBytesRead();
        out.printf(Locale.ROOT, "%nCross-check of DRAM bytes read per token: host double %,d, analytic %,d "
                        + "(BitNetDecodeModel: ternary weights in bfloat4_b tiles, bfloat8_b lm_head, one bf16 embedding "
                        + "row, bfloat8_b KV rows 0..position), host double %+.1f %%.%n", counted, analytic,
                100.0 * (counted - analytic) / analytic);
        out.println("What the engine's step also reads and the analytic model leaves out:");
        long explained = 0;
        for (AnalyticGap.Item item : AnalyticGap.reads(m.dims(), m.context(), m.tokens())) {
            if (item.bytes() != 0) {
                out.printf(Locale.ROOT, "- %,d B (%.1f %%): %s%n", item.bytes(), 100.0 * item.bytes() / analytic,
                        item.what());
            }
            explained += item.bytes();
        }
        out.printf(Locale.ROOT, "- unexplained remainder: %,d B%n", counted - analytic - explained);
    }

    /** "name count, ..." of the TT-NN ops per token, most frequent first. */
    static String opsByName(EmulatorDecodeCounts.Measurement m) {
        StringBuilder line = new StringBuilder();
        m.opStats().entrySet().stream().filter(e -> e.getKey().startsWith("op:"))
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .forEach(e -> line.append(line.isEmpty() ? "" : ", ").append(e.getKey().substring(3)).append(' ')
                        .append(EmulatorDecodeCounts.perToken(e.getValue(), m.tokens())));
        return line.toString();
    }

    /** One line naming the shapes, for the heading of the output. */
    public static String describe(ModelDims d) {
        return String.format(Locale.ROOT, "hidden %d, intermediate %d, %d layers, %d heads / %d KV heads of %d, "
                        + "vocab %d, KV cache %d positions (bfloat8_b on the device)", d.hidden(), d.intermediate(),
                d.layers(), d.heads(), d.kvHeads(), d.headDim(), d.vocabSize(), d.contextLength());
    }
}
