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
 * <p>Sequence, as greedy decoding runs: prefill up to position {@code context - warmUp}, decode
 * {@code warmUp} tokens (the first captures the step), then decode {@code tokens} tokens at positions
 * {@code context .. context + tokens - 1} with the counters read before and after, each step's argmax
 * fed back as the next token (with {@code context < warmUp} the measured positions start at
 * {@code warmUp}). {@link #measureTopK} runs the same sequence as top-k sampling: each step replays the
 * top-k step, reads back the k values and ids, and a token other than the step's input is written as the
 * sampled one (count-only computes no logits, so the draw is not the sampler's; what crosses is the same).
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
     * @param opsPerLayer TT-NN ops per token that each decoder layer adds: measured, as the difference
     *                  between this model's count and the count of the same model with one layer (two
     *                  layers for a one-layer model), over the layers between them
     */
    public record Measurement(ModelDims dims, int context, int tokens, DeviceCounters total, DecodeCounts perToken,
                              BitNetDecodeModel analytic, Map<String, Long> opStats, long opsPerLayer) {

        /** TT-NN ops per token outside the layers: embedding, rotary rows, final norm, LM head, sampling, positions. */
        public long opsOutsideLayers() {
            return perToken.ops() - opsPerLayer * dims.layers();
        }

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

    /** Measures greedy decoding with a KV cache of {@code config.maxPositionEmbeddings()} positions. */
    public static Measurement measure(ModelConfig config, int context, int warmUp, int tokens) {
        return measure(config, context, warmUp, tokens, 0);
    }

    /** Measures top-{@code k} sampling ({@link BitNetForward#decodeTopK}) as {@link #measure} does greedy decoding. */
    public static Measurement measureTopK(ModelConfig config, int context, int warmUp, int tokens, int k) {
        if (k < 1 || k >= config.vocabSize()) {
            throw new IllegalArgumentException("k must be in [1, " + (config.vocabSize() - 1) + "], got " + k);
        }
        return measure(config, context, warmUp, tokens, k);
    }

    private static Measurement measure(ModelConfig config, int context, int warmUp, int tokens, int topK) {
        if (context < 0 || warmUp < 1 || tokens < 1) {
            throw new IllegalArgumentException("context must be >= 0, warm-up and tokens >= 1; got context " + context
                    + ", warm-up " + warmUp + ", tokens " + tokens);
        }
        int cache = config.maxPositionEmbeddings();
        if ((long) context + tokens > cache) {
            throw new IllegalArgumentException("context " + context + " + " + tokens + " measured tokens exceeds "
                    + "max_position_embeddings " + cache + "; use a context of at most " + (cache - tokens));
        }
        Measurement m = run(config, context, warmUp, tokens, topK);
        // The same model with one layer (or two): what one layer adds, measured rather than read off op names.
        int layers = config.numHiddenLayers();
        int other = layers == 1 ? 2 : 1;
        long otherOps = run(withLayers(config, other), context, warmUp, 1, topK).perToken().ops();
        long diff = Math.abs(m.perToken().ops() - otherOps);
        long span = Math.abs(layers - other);
        if (diff % span != 0) {
            throw new IllegalStateException("TT-NN ops per token are not the same for every layer: " + m.perToken().ops()
                    + " with " + layers + " layers, " + otherOps + " with " + other);
        }
        return new Measurement(m.dims(), m.context(), m.tokens(), m.total(), m.perToken(), m.analytic(), m.opStats(),
                diff / span);
    }

    private static Measurement run(ModelConfig config, int context, int warmUp, int tokens, int topK) {
        int cache = config.maxPositionEmbeddings();
        ModelDims dims = ModelDims.of(config, cache);
        BitNetDecodeModel analytic = analyticModel(config);
        int first = Math.max(0, context - warmUp);
        int measuredFrom = first + warmUp;
        if ((long) measuredFrom + tokens > cache) {
            throw new IllegalArgumentException("warm-up " + warmUp + " + " + tokens + " measured tokens from position "
                    + first + " exceed max_position_embeddings " + cache);
        }
        try (TenstorrentDevice device = TenstorrentDevice.openEmulator(EmulatorConfig.defaults().withCountOnly(true));
             DeviceWeights weights = upload(config, device);
             BitNetForward forward = new BitNetForward(device, dims, weights, PREFILL_BLOCK)) {
            int[] prompt = new int[first + 1];
            Arrays.fill(prompt, config.bosTokenId());
            forward.prefill(prompt, 0, first);
            int token = prompt[first];
            float[] values = new float[Math.max(topK, 1)];
            int[] ids = new int[Math.max(topK, 1)];
            for (int i = 0; i < warmUp; i++) {
                token = step(forward, token, first + i, topK, values, ids);
            }
            device.resetCounters();
            DeviceCounters before = device.counters();
            for (int i = 0; i < tokens; i++) {
                token = step(forward, token, measuredFrom + i, topK, values, ids);
            }
            DeviceCounters total = device.counters().since(before);
            Map<String, Long> opStats = device.opStats();
            DecodeCounts perToken = new DecodeCounts(perToken(total.ops(), tokens),
                    perToken(total.dramBytesRead(), tokens), perToken(total.dramBytesWritten(), tokens),
                    perToken(total.hostToDeviceBytes() + total.deviceToHostBytes(), tokens),
                    perToken(total.traceReplays(), tokens), analytic.matmulFlopsPerToken());
            return new Measurement(dims, measuredFrom, tokens, total, perToken, analytic, opStats, 0);
        }
    }

    /**
     * Greedy: the step's argmax comes back as the next token, and nothing is written. Top-k: the k values and
     * ids come back, and the next token, always another than this step's, is written.
     */
    private static int step(BitNetForward forward, int token, int pos, int topK, float[] values, int[] ids) {
        if (topK == 0) {
            return forward.decodeArgmax(token, pos);
        }
        forward.decodeTopK(token, pos, values, ids);
        return token == 0 ? 1 : 0;
    }

    /**
     * The analytic model with the layout of the shim's decode step (performance mode): bfloat4_b ternary
     * weights, the bfloat8_b LM head, a bfloat8_b KV cache.
     */
    static BitNetDecodeModel analyticModel(ModelConfig c) {
        return new BitNetDecodeModel(c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.vocabSize(), BitNetDecodeModel.BFLOAT4_B_TILE_BYTES,
                BitNetDecodeModel.BFLOAT8_B_TILE_BYTES, BitNetDecodeModel.BFLOAT8_B_TILE_BYTES);
    }

    /** {@code c} with {@code layers} decoder layers. */
    private static ModelConfig withLayers(ModelConfig c, int layers) {
        return new ModelConfig(c.architectures(), c.vocabSize(), c.hiddenSize(), c.intermediateSize(), layers,
                c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.maxPositionEmbeddings(), c.rmsNormEps(),
                c.ropeTheta(), c.tieWordEmbeddings(), c.bosTokenId(), c.eosTokenIds(), c.hiddenAct(), c.quantization(),
                c.torchDtype());
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
