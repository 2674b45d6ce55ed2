package io.bitnettt.engine;

import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.generate.TokenConstraint;
import io.bitnettt.generate.json.JsonDecoding;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.tokenizer.BpeTokenizer;
import io.bitnettt.tokenizer.ChatMessage;
import io.bitnettt.tokenizer.ChatTemplate;
import io.bitnettt.tokenizer.StreamingDecoder;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A loaded model ready to generate: device, weights, KV cache, tokenizer and chat template.
 * Requests run one at a time; the others wait in arrival order (a fair lock), because the single
 * KV cache and the device's scratch buffers serve one sequence. A failed or cancelled request
 * leaves it usable.
 */
public final class BitNetModel implements AutoCloseable {
    private final ModelConfig config;
    private final Device device;
    private final DeviceWeights weights;
    private final BitNetForward forward;
    /** The model's files while the device reads weights from their mapping; null once uploaded in full. */
    private final ModelFiles files;
    private final GenerationSession session;
    private final BpeTokenizer tokenizer;
    private final ChatTemplate template;
    private final Set<Integer> stopTokens = new HashSet<>();
    // Fair, so that waiting requests are served first come, first served: a queue, not a race.
    private final ReentrantLock lock = new ReentrantLock(true);
    private volatile boolean closing;
    private boolean closed;   // guarded by lock
    private volatile EngineStatistics statistics = EngineStatistics.NONE;
    private JsonDecoding jsonDecoding;

    private BitNetModel(ModelConfig config, Device device, DeviceWeights weights, BitNetForward forward,
                        BpeTokenizer tokenizer, ModelFiles files) {
        this.config = config;
        this.files = files;
        this.device = device;
        this.weights = weights;
        this.forward = forward;
        this.session = new GenerationSession(forward);
        this.tokenizer = tokenizer;
        this.template = new ChatTemplate(tokenizer);
        for (int id : tokenizer.stopTokenIds()) {
            stopTokens.add(id);
        }
        stopTokens.addAll(config.eosTokenIds());
    }

    /**
     * Loads {@code options.modelDir()} (a Hugging Face folder or a GGUF file, see {@link ModelFiles})
     * onto the selected backend. The files are read and checked before the device is opened.
     */
    public static BitNetModel load(BitNetOptions options) {
        ModelFiles files = ModelFiles.open(options.modelDir());
        try {
            ModelConfig config = files.config();
            BpeTokenizer tokenizer = files.tokenizer();
            if (tokenizer.vocabSize() > config.vocabSize()) {
                throw new IllegalArgumentException("the tokenizer of " + options.modelDir() + " has "
                        + tokenizer.vocabSize() + " tokens but the model's vocab_size is " + config.vocabSize());
            }
            int context = options.contextLength() == 0 ? config.maxPositionEmbeddings() : options.contextLength();
            if (context > config.maxPositionEmbeddings()) {
                throw new IllegalArgumentException("context length " + context + " exceeds the model's maximum of "
                        + config.maxPositionEmbeddings() + " (" + files.contextSource() + ")");
            }
            Device device = BackendSelector.fromServiceLoader().select(options.backend())
                    .open(DeviceOptions.defaults().withThreads(options.threads()));
            DeviceWeights weights = null;
            try {
                ModelDims dims = ModelDims.of(config, context);
                ContextBudget.check(dims, options.kvCacheType().dtype(),
                        device.capabilities().memoryBytes().get(MemoryPlacement.DEVICE_DRAM),
                        options.contextLength() == 0 ? files.contextSource() : "the requested context length");
                // The bf16 table is read in place from the mapped file where the backend can (the cpu
                // backend): only the rows a token touches become resident, not a 657 MB copy (2B-4T).
                WeightUploader.Options upload = WeightUploader.Options.defaults()
                        .withInt8Output(options.int8OutputProjection()).withBorrowHost(true);
                weights = WeightUploader.upload(files.weights(), device, upload);
                boolean borrowed = WeightUploader.borrowsHost(files.weights(), upload);
                if (borrowed) {
                    files.weights().releaseConverted();
                    files.releaseMappedPages();   // what the upload read last, before the KV cache is allocated
                }
                BitNetForward forward = new BitNetForward(device, dims, weights, options.prefillBlock(),
                        options.kvCacheType().dtype());
                if (borrowed) {
                    files.releaseMappedPages();   // what the captured decode step read
                }
                BitNetModel model = new BitNetModel(config, device, weights, forward, tokenizer, borrowed ? files : null);
                if (!borrowed) {
                    files.close();   // everything was copied to the device
                }
                return model;
            } catch (RuntimeException | Error e) {
                if (weights != null) {
                    weights.close();
                }
                device.close();
                throw e;
            }
        } catch (RuntimeException | Error e) {
            // The load's own failure is the one to report; a failure to close the files rides along.
            try {
                files.close();
            } catch (RuntimeException | Error closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    public BpeTokenizer tokenizer() {
        return tokenizer;
    }

    public String backendName() {
        return device.backendName();
    }

    public int contextLength() {
        return session.contextLength();
    }

    /** Totals over all requests served so far; updated when each request ends. */
    public EngineStatistics statistics() {
        return statistics;
    }

    /** Continues raw text (BOS + the text, special-token strings treated as plain text). */
    public GenerationResult complete(String prompt, SamplingParameters params, Consumer<String> onText,
                                     BooleanSupplier cancelled) {
        return complete(prompt, params, TokenConstraint.NONE, onText, cancelled);
    }

    /** As {@link #complete(String, SamplingParameters, Consumer, BooleanSupplier)}, restricted by {@code constraint}. */
    public GenerationResult complete(String prompt, SamplingParameters params, TokenConstraint constraint,
                                     Consumer<String> onText, BooleanSupplier cancelled) {
        int[] ids = tokenizer.addBos() ? tokenizer.encodeWithBos(prompt, false) : tokenizer.encode(prompt, false);
        return run(ids, params, constraint, onText, cancelled);
    }

    /** Answers the conversation as the assistant, through the model's chat template. */
    public GenerationResult chat(List<ChatMessage> messages, SamplingParameters params, Consumer<String> onText,
                                 BooleanSupplier cancelled) {
        return chat(messages, params, TokenConstraint.NONE, onText, cancelled);
    }

    /**
     * As {@link #chat(List, SamplingParameters, Consumer, BooleanSupplier)}, restricted by {@code constraint}
     * (e.g. one from {@link #jsonDecoding()}).
     */
    public GenerationResult chat(List<ChatMessage> messages, SamplingParameters params, TokenConstraint constraint,
                                 Consumer<String> onText, BooleanSupplier cancelled) {
        return run(template.encode(messages, true), params, constraint, onText, cancelled);
    }

    /**
     * JSON-constrained decoding over this model's vocabulary, ending documents with the end-of-turn
     * token (end of text when the tokenizer has none). Built on first use (a pass over the vocabulary),
     * then shared by all requests with their cached schemas.
     */
    public synchronized JsonDecoding jsonDecoding() {
        if (jsonDecoding == null) {
            int end = tokenizer.eotId() >= 0 ? tokenizer.eotId() : tokenizer.eosId();
            jsonDecoding = JsonDecoding.of(tokenizer, config.vocabSize(), end);
        }
        return jsonDecoding;
    }

    /**
     * Fails with the reason when this model's vocabulary cannot run the chat template (it has no
     * {@code <|eot_id|>}); {@link #complete} works either way. Lets a chat front end refuse before
     * its first prompt.
     */
    public void requireChat() {
        template.requireEot();
    }

    /** Tokens the chat template produces for {@code messages}, with the generation prompt. */
    public int countTokens(List<ChatMessage> messages) {
        return template.countTokens(messages, true);
    }

    private GenerationResult run(int[] ids, SamplingParameters params, TokenConstraint constraint,
                                 Consumer<String> onText, BooleanSupplier cancelled) {
        ensureOpen();
        try {
            // Interruptible: a caller interrupted while it waits in the queue gives up its turn.
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the model; the request did not run");
        }
        try {
            ensureOpen();
            StreamingDecoder decoder = tokenizer.streamingDecoder(true);
            TextDecoder text = new TextDecoder() {
                @Override
                public String accept(int tokenId) {
                    return decoder.push(tokenId);
                }

                @Override
                public String flush() {
                    return decoder.flush();
                }
            };
            GenerationResult result = session.generate(ids, params, stopTokens, constraint, text, onText,
                    () -> closing || cancelled.getAsBoolean());
            statistics = statistics.plus(result.stats());
            return result;
        } finally {
            try {
                if (files != null && !closed) {
                    files.releaseMappedPages();
                }
                if (closing && lock.getHoldCount() == 1) {
                    // close() was called from inside this request (e.g. by a streaming handler): finish it now.
                    release();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private void ensureOpen() {
        if (closing) {
            throw new IllegalStateException("this BitNet model is closed");
        }
    }

    /**
     * Closes the model: a running request stops within one token (its result is {@code CANCELLED}),
     * requests still waiting fail with {@link IllegalStateException}, and the device is closed once
     * the running request has stopped. Called from inside a request (a callback of it), the device
     * is closed when that request returns. Idempotent.
     */
    @Override
    public void close() {
        closing = true;
        if (lock.isHeldByCurrentThread()) {
            return;
        }
        lock.lock();
        try {
            release();
        } finally {
            lock.unlock();
        }
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closing;
    }

    private void release() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            forward.close();
            weights.close();
            device.close();
        } finally {
            if (files != null) {
                // After the device: its tensors may read the mapping until then.
                files.close();
            }
        }
    }
}
