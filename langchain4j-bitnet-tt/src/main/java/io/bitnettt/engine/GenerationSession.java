package io.bitnettt.engine;

import io.bitnettt.generate.FinishReason;
import io.bitnettt.generate.GenerationStats;
import io.bitnettt.generate.Sampler;
import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.generate.StopStringMatcher;
import io.bitnettt.generate.TokenConstraint;

import java.util.Arrays;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Generation over one {@link BitNetForward}: prefill, sampling loop, stops, cancellation and
 * prefix reuse. It remembers which tokens the KV cache holds, so a request that starts with the
 * same tokens (the next turn of a chat) only computes what is new.
 *
 * <p>Not thread-safe: one request at a time per session.
 */
public final class GenerationSession {
    private final BitNetForward forward;
    private final int[] cached;   // tokens whose K/V are in the cache, by position
    private int cachedLength;
    private final float[] logits;
    private AllowedRows allowedRows;   // on the first constrained greedy step with a screened projection

    public GenerationSession(BitNetForward forward) {
        this.forward = forward;
        this.cached = new int[forward.dims().contextLength()];
        this.logits = new float[forward.dims().vocabSize()];
    }

    public int contextLength() {
        return cached.length;
    }

    /** Forgets the cache contents, so the next request recomputes its whole prompt. */
    public void reset() {
        cachedLength = 0;
    }

    /**
     * Generates a continuation of {@code prompt}.
     *
     * @param stopTokens ids that end generation (not part of the text)
     * @param decoder    a fresh decoder for this request
     * @param onText     receives text as soon as it is safe to show
     * @param cancelled  polled before every step; true stops within one token
     * @throws IllegalArgumentException before any compute when the prompt is empty, longer than the context
     *                                  or holds an id outside the vocabulary
     */
    public GenerationResult generate(int[] prompt, SamplingParameters params, Set<Integer> stopTokens,
                                     TextDecoder decoder, Consumer<String> onText, BooleanSupplier cancelled) {
        return generate(prompt, params, stopTokens, TokenConstraint.NONE, decoder, onText, cancelled);
    }

    /**
     * As {@link #generate(int[], SamplingParameters, Set, TextDecoder, Consumer, BooleanSupplier)}, with the
     * tokens restricted by {@code constraint}: while it is active each step computes the full logits (no
     * on-device argmax or top-k, which would choose among masked tokens), masks them, then samples; a
     * greedy step with a screened projection instead passes the allowed tokens to the device, which
     * screens only those ({@link BitNetForward#decodeArgmaxAllowed}), and picks the same token.
     */
    public GenerationResult generate(int[] prompt, SamplingParameters params, Set<Integer> stopTokens,
                                     TokenConstraint constraint, TextDecoder decoder, Consumer<String> onText,
                                     BooleanSupplier cancelled) {
        int n = prompt.length;
        if (n == 0) {
            throw new IllegalArgumentException("the prompt is empty: at least one token (e.g. BOS) is needed");
        }
        if (n > cached.length) {
            throw new IllegalArgumentException("the prompt has " + n + " tokens but the context holds only "
                    + cached.length + " tokens");
        }
        int vocab = forward.dims().vocabSize();
        for (int i = 0; i < n; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new IllegalArgumentException("prompt token " + i + " is " + prompt[i]
                        + ", outside the vocabulary [0, " + vocab + ")");
            }
        }
        long start = System.nanoTime();
        // The last prompt token always runs through decode: that is where logits come from.
        int reuse = Math.min(commonPrefix(prompt), n - 1);
        cachedLength = reuse;
        // Block by block, so that a long prompt can be cancelled too; what was computed stays reusable.
        for (int from = reuse; from < n - 1; from += forward.prefillBlock()) {
            if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                GenerationStats stats = GenerationStats.of(n, reuse, 0, start, 0, System.nanoTime());
                return new GenerationResult("", new int[0], FinishReason.CANCELLED, stats);
            }
            int to = Math.min(n - 1, from + forward.prefillBlock());
            forward.prefill(prompt, from, to);
            System.arraycopy(prompt, from, cached, from, to - from);
            cachedLength = to;
        }

        Sampler sampler = new Sampler(params, forward.dims().vocabSize());
        boolean onDeviceArgmax = params.isGreedy() && !params.hasPenalties();
        // Top-k without penalties needs only the k best logits: the device selects them, k values and ids cross back.
        boolean onDeviceTopK = !params.isGreedy() && !params.hasPenalties() && params.topK() > 0 && params.topK() < vocab;
        float[] topValues = onDeviceTopK ? new float[params.topK()] : null;
        int[] topIds = onDeviceTopK ? new int[params.topK()] : null;
        StopStringMatcher stops = new StopStringMatcher(params.stopStrings());
        StringBuilder text = new StringBuilder();
        int[] generated = new int[Math.min(params.maxNewTokens(), cached.length)];
        int count = 0;
        long firstTokenAt = 0;
        int token = prompt[n - 1];
        int pos = n - 1;
        FinishReason reason;
        while (true) {
            if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                reason = FinishReason.CANCELLED;
                break;
            }
            int next = -1;
            boolean masked = false;
            boolean constrained = constraint.active();
            boolean argmaxHere = onDeviceArgmax && !constrained;
            boolean topKHere = onDeviceTopK && !constrained;
            // Tokens this request may still produce, this one included: the budget or the context.
            int remaining = Math.min(params.maxNewTokens() - count, cached.length - pos);
            if (argmaxHere) {
                next = forward.decodeArgmax(token, pos);
            } else if (topKHere) {
                forward.decodeTopK(token, pos, topValues, topIds);
            } else if (constrained && onDeviceArgmax && forward.screensOutput()) {
                // The screen picks among the allowed rows only; -1 leaves the full logits, masked here, to the sampler.
                if (allowedRows == null) {
                    allowedRows = new AllowedRows(vocab);
                }
                next = forward.decodeArgmaxAllowed(token, pos, allowedRows.of(constraint, remaining), logits);
                if (next < 0) {
                    allowedRows.mask(logits);
                }
                masked = true;
            } else {
                forward.decode(token, pos, logits);
            }
            cached[pos] = token;
            cachedLength = pos + 1;
            if (topKHere) {
                next = sampler.sampleTopK(topValues, topIds);
            } else if (!argmaxHere && next < 0) {
                if (constrained && !masked) {
                    constraint.mask(logits, remaining);
                }
                next = sampler.sample(logits, cached, cachedLength);
            }
            constraint.accept(next);
            if (count == 0) {
                firstTokenAt = System.nanoTime();
            }
            generated[count++] = next;
            if (stopTokens.contains(next)) {
                reason = FinishReason.STOP_TOKEN;
                break;
            }
            String piece = decoder.accept(next);
            if (constrained) {
                // The constraint decides where a document ends; a stop string inside it would cut it invalid.
                emit(piece, text, onText);
            } else {
                StopStringMatcher.Result r = stops.accept(piece);
                emit(r.text(), text, onText);
                if (r.stopped()) {
                    reason = FinishReason.STOP_STRING;
                    break;
                }
            }
            if (count == params.maxNewTokens()) {
                reason = FinishReason.LENGTH;
                break;
            }
            if (pos + 1 >= cached.length) {
                reason = FinishReason.CONTEXT_FULL;
                break;
            }
            token = next;
            pos++;
        }
        if (reason != FinishReason.STOP_STRING) {
            emit(stops.accept(decoder.flush()).text(), text, onText);
            emit(stops.flush(), text, onText);
        }
        GenerationStats stats = GenerationStats.of(n, reuse, count, start, firstTokenAt, System.nanoTime());
        return new GenerationResult(text.toString(), Arrays.copyOf(generated, count), reason, stats);
    }

    private static void emit(String piece, StringBuilder all, Consumer<String> onText) {
        if (!piece.isEmpty()) {
            all.append(piece);
            onText.accept(piece);
        }
    }

    private int commonPrefix(int[] prompt) {
        int limit = Math.min(cachedLength, prompt.length);
        int i = 0;
        while (i < limit && cached[i] == prompt[i]) {
            i++;
        }
        return i;
    }
}
