package io.bitnettt.estimate;

import io.bitnettt.engine.BitNetForward;
import io.bitnettt.engine.DeviceWeights;
import io.bitnettt.engine.ModelDims;
import io.bitnettt.engine.WeightUploader;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.ConstantWeights;
import io.bitnettt.tt.DeviceCounters;
import io.bitnettt.tt.EmulatorConfig;
import io.bitnettt.tt.TenstorrentDevice;
import io.bitnettt.tt.roofline.BitNetDecodeModel;
import io.bitnettt.tt.roofline.DecodeCounts;

import java.util.Arrays;
import java.util.Map;

/**
 * Runs the engine's own decode step ({@link BitNetForward}, captured and replayed) through the TT-NN
 * shim over the host double of TT-NN in count-only mode, and reads what each token costs from the
 * device counters: TT-NN programs, bytes, replays. Count-only stores and computes nothing, so the
 * full 2B-4T shapes fit a small machine; the weights are {@link ConstantWeights} uploaded through the
 * engine's {@link WeightUploader}.
 *
 * <p>Sequence: prefill {@code context} tokens, decode {@code warmUp} tokens at position
 * {@code context} (the first captures the step), then decode {@code tokens} tokens at positions
 * {@code context .. context + tokens - 1} with the counters read before and after.
 */
public final class EmulatorDecodeCounts {
    private static final int PREFILL_BLOCK = 64;

    /**
     * @param dims      the model's dimensions and the KV cache size used
     * @param context   tokens in the KV cache before the first measured token
     * @param tokens    measured tokens
     * @param total     counters over the measured tokens
     * @param perToken  {@code total} divided by {@code tokens} (rounded), with the analytic FLOPs
     * @param analytic  the analytic model of the same shapes and the engine's KV cache dtype
     * @param opStats   the host double's execution counts by key over the measured tokens
     *                  ({@link TenstorrentDevice#opStats()}: TT-NN ops by name, compute configs)
     */
    public record Measurement(ModelDims dims, int context, int tokens, DeviceCounters total, DecodeCounts perToken,
                              BitNetDecodeModel analytic, Map<String, Long> opStats) {

        /** {@link BitNetDecodeModel#dramBytesPerToken} averaged over the measured positions. */
        public long analyticBytesReadPerToken() {
            long sum = 0;
            for (int i = 0; i < tokens; i++) {
                sum += analytic.dramBytesPerToken(context + i + 1L); // position p attends to p + 1 cached rows
            }
            return EmulatorDecodeCounts.perToken(sum, tokens);
        }
    }

    private EmulatorDecodeCounts() {
    }

    /** Measures with a KV cache of {@code config.maxPositionEmbeddings()} positions. */
    public static Measurement measure(ModelConfig config, int context, int warmUp, int tokens) {
        if (context < 0 || warmUp < 1 || tokens < 1) {
            throw new IllegalArgumentException("context must be >= 0, warm-up and tokens >= 1; got context " + context
                    + ", warm-up " + warmUp + ", tokens " + tokens);
        }
        int cache = config.maxPositionEmbeddings();
        if ((long) context + tokens > cache) {
            throw new IllegalArgumentException("context " + context + " + " + tokens + " measured tokens exceeds "
                    + "max_position_embeddings " + cache + "; use a context of at most " + (cache - tokens));
        }
        ModelDims dims = ModelDims.of(config, cache);
        BitNetDecodeModel analytic = analyticModel(config);
        try (TenstorrentDevice device = TenstorrentDevice.openEmulator(EmulatorConfig.defaults().withCountOnly(true));
             DeviceWeights weights = upload(config, device);
             BitNetForward forward = new BitNetForward(device, dims, weights, PREFILL_BLOCK)) {
            int[] prompt = new int[context + 1];
            Arrays.fill(prompt, config.bosTokenId());
            forward.prefill(prompt, 0, context);
            int token = prompt[context];
            for (int i = 0; i < warmUp; i++) {
                token = forward.decodeArgmax(token, context);
            }
            device.resetCounters();
            DeviceCounters before = device.counters();
            for (int i = 0; i < tokens; i++) {
                // Count-only downloads read zeros, so this feeds back token 0: any id serves.
                token = forward.decodeArgmax(token, context + i);
            }
            DeviceCounters total = device.counters().since(before);
            Map<String, Long> opStats = device.opStats();
            DecodeCounts perToken = new DecodeCounts(perToken(total.ops(), tokens),
                    perToken(total.dramBytesRead(), tokens), perToken(total.dramBytesWritten(), tokens),
                    perToken(total.hostToDeviceBytes() + total.deviceToHostBytes(), tokens),
                    perToken(total.traceReplays(), tokens), analytic.matmulFlopsPerToken());
            return new Measurement(dims, context, tokens, total, perToken, analytic, opStats);
        }
    }

    /** The analytic model with the layout the engine uses on Tenstorrent (bfloat4_b ternary, bf16 tables). */
    static BitNetDecodeModel analyticModel(ModelConfig c) {
        return new BitNetDecodeModel(c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.vocabSize(), BitNetDecodeModel.BFLOAT4_B_TILE_BYTES,
                BitNetDecodeModel.BFLOAT16_BYTES, BitNetForward.KV_CACHE_DTYPE.hostBytesPerElement());
    }

    private static DeviceWeights upload(ModelConfig config, TenstorrentDevice device) {
        // The host stand-ins are freed as soon as the device has its copy.
        try (ConstantWeights host = new ConstantWeights(config)) {
            return WeightUploader.upload(host, device);
        }
    }

    static long perToken(long total, int tokens) {
        return (total + tokens / 2) / tokens;
    }
}
