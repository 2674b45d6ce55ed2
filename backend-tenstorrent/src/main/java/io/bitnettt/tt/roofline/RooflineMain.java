package io.bitnettt.tt.roofline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Prints the decode roofline table.
 *
 * <pre>
 *   --counts FILE.json        per-token counts: ops, dramBytesRead, dramBytesWritten, hostDeviceBytes,
 *                             traceReplays, matmulFlops (optional)
 *   --model config.json [--context N]
 *                             analytic BitNet counts from a Hugging Face config (bfloat4_b ternary
 *                             weights, bfloat8_b lm_head and KV cache); ops unknown, so no dispatch floor
 *   --op-overhead-us X        per-op assumption (default {@value Roofline#DEFAULT_OP_OVERHEAD_SECONDS} s)
 * </pre>
 */
public final class RooflineMain {

    private static final int BFLOAT4_B_TILE_BYTES = BitNetDecodeModel.BFLOAT4_B_TILE_BYTES;
    private static final int BFLOAT8_B_TILE_BYTES = BitNetDecodeModel.BFLOAT8_B_TILE_BYTES;

    private RooflineMain() {
    }

    public static void main(String[] args) throws IOException {
        run(args, System.out);
    }

    static void run(String[] args, PrintStream out) throws IOException {
        Path counts = null, model = null;
        long context = 0;
        double overhead = Roofline.DEFAULT_OP_OVERHEAD_SECONDS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--counts" -> counts = Path.of(value(args, ++i));
                case "--model" -> model = Path.of(value(args, ++i));
                case "--context" -> context = Long.parseLong(value(args, ++i));
                case "--op-overhead-us" -> overhead = Double.parseDouble(value(args, ++i)) * 1e-6;
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "'; expected --counts FILE | --model CONFIG [--context N] [--op-overhead-us X]");
            }
        }
        if ((counts == null) == (model == null)) {
            throw new IllegalArgumentException("give exactly one of --counts FILE or --model CONFIG");
        }
        DecodeCounts c = counts != null ? countsFromJson(Files.readString(counts), counts.toString())
                : analyticCounts(Files.readString(model), model.toString(), context);
        out.print(new Roofline(overhead).markdownTable(CardSpec.all(), c));
    }

    static DecodeCounts countsFromJson(String json, String source) {
        Map<String, Double> m = FlatJsonNumbers.parse(json, source);
        return new DecodeCounts(whole(m, "ops", source), whole(m, "dramBytesRead", source),
                whole(m, "dramBytesWritten", source), whole(m, "hostDeviceBytes", source),
                whole(m, "traceReplays", source), m.containsKey("matmulFlops") ? whole(m, "matmulFlops", source) : 0);
    }

    static BitNetDecodeModel modelFromConfig(String json, String source) {
        Map<String, Double> m = FlatJsonNumbers.parse(json, source);
        return new BitNetDecodeModel(intOf(m, "hidden_size", source), intOf(m, "intermediate_size", source),
                intOf(m, "num_hidden_layers", source), intOf(m, "num_attention_heads", source),
                intOf(m, "num_key_value_heads", source), intOf(m, "vocab_size", source),
                BFLOAT4_B_TILE_BYTES, BFLOAT8_B_TILE_BYTES, BFLOAT8_B_TILE_BYTES);
    }

    static DecodeCounts analyticCounts(String configJson, String source, long context) {
        BitNetDecodeModel m = modelFromConfig(configJson, source);
        return new DecodeCounts(0, m.dramBytesPerToken(context), 0, 0, 0, m.matmulFlopsPerToken());
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value");
        return args[i];
    }

    private static long whole(Map<String, Double> m, String key, String source) {
        Double v = m.get(key);
        if (v == null) throw new IllegalArgumentException(source + ": missing numeric field '" + key + "'");
        if (v < 0 || v != Math.rint(v) || v > Long.MAX_VALUE) {
            throw new IllegalArgumentException(source + ": field '" + key + "' must be a whole number >= 0, got " + v);
        }
        return v.longValue();
    }

    private static int intOf(Map<String, Double> m, String key, String source) {
        long v = whole(m, key, source);
        if (v > Integer.MAX_VALUE) throw new IllegalArgumentException(source + ": field '" + key + "' is too large: " + v);
        return (int) v;
    }
}
