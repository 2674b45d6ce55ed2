package io.bitnettt.model.checkpoint;

import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.ModelConfigJson;
import io.bitnettt.model.ScaleRule;
import io.bitnettt.safetensors.SafetensorsDType;
import io.bitnettt.safetensors.SafetensorsSet;
import io.bitnettt.safetensors.TensorEntry;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks the tensors of a model folder against its config and turns them into host-side weights.
 * Everything is validated here, at load, so a model that opens can be run: names, dtypes and
 * shapes, every ternary code, every scale, every norm and the embedding table.
 */
final class CheckpointLoader {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final ModelConfig config;
    private final SafetensorsSet tensors;
    private final Arena arena;
    private final List<String> warnings = new ArrayList<>();
    private boolean quantizedAtLoad;

    CheckpointLoader(ModelConfig config, SafetensorsSet tensors, Arena arena) {
        this.config = config;
        this.tensors = tensors;
        this.arena = arena;
    }

    List<String> warnings() {
        return warnings;
    }

    boolean quantizedAtLoad() {
        return quantizedAtLoad;
    }

    /** Fails listing every missing tensor at once, so one run shows the whole problem. */
    void checkAllPresent() {
        checkLayerCount();
        List<String> missing = new ArrayList<>();
        require(missing, TensorNames.EMBEDDING);
        require(missing, TensorNames.FINAL_NORM);
        if (!config.tieWordEmbeddings()) {
            require(missing, TensorNames.LM_HEAD);
        }
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            for (LayerNorm n : LayerNorm.values()) {
                require(missing, TensorNames.norm(l, n));
            }
            for (Projection p : Projection.values()) {
                String weight = TensorNames.weight(l, p);
                TensorEntry e = tensors.entry(weight);
                require(missing, weight);
                // Master weights carry no scale; a packed (or absent) weight needs one.
                boolean master = e != null ? e.dtype() != SafetensorsDType.U8 : config.quantization().online();
                if (!master) {
                    require(missing, TensorNames.weightScale(l, p));
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new CheckpointException(tensors.sourceName(), "missing tensors", missing.size()
                    + " required tensor(s) missing: " + String.join(", ", missing));
        }
        checkNoneUnknown();
    }

    /**
     * Every tensor in the files must be one the model uses, so that a config that says fewer layers
     * (or another shape of model) than the files hold fails instead of running part of the model.
     * Tolerated: {@code lm_head.weight} beside a tied embedding (the first 2B-4T upload carried an
     * identical copy) and rotary {@code inv_freq} buffers, which the engine recomputes.
     */
    void checkNoneUnknown() {
        java.util.Set<String> known = new java.util.HashSet<>();
        known.add(TensorNames.EMBEDDING);
        known.add(TensorNames.FINAL_NORM);
        known.add(TensorNames.LM_HEAD);
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            for (LayerNorm n : LayerNorm.values()) {
                known.add(TensorNames.norm(l, n));
            }
            for (Projection p : Projection.values()) {
                known.add(TensorNames.weight(l, p));
                known.add(TensorNames.weightScale(l, p));
            }
        }
        List<String> unknown = new ArrayList<>();
        for (String name : tensors.names()) {
            if (!known.contains(name) && !name.endsWith(".rotary_emb.inv_freq")) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            unknown.sort(null);
            List<String> shown = unknown.subList(0, Math.min(8, unknown.size()));
            throw new CheckpointException(tensors.sourceName(), "unexpected tensors", unknown.size()
                    + " tensor(s) that a BitNet model with num_hidden_layers " + config.numHiddenLayers()
                    + " in " + ModelConfigJson.FILE_NAME + " does not have: " + String.join(", ", shown)
                    + (unknown.size() > shown.size() ? ", ..." : "")
                    + "; check num_hidden_layers and the other sizes in " + ModelConfigJson.FILE_NAME);
        }
    }

    /**
     * A config claiming more layers than the files hold would otherwise produce a missing-tensor
     * list as long as the claim (a corrupt count of 10^9 layers must not exhaust the heap).
     */
    private void checkLayerCount() {
        String prefix = "model.layers.";
        int layersInFiles = 0;
        for (String name : tensors.names()) {
            if (name.startsWith(prefix)) {
                int dot = name.indexOf('.', prefix.length());
                try {
                    int layer = Integer.parseInt(name, prefix.length(), dot < 0 ? name.length() : dot, 10);
                    layersInFiles = Math.max(layersInFiles, layer + 1);
                } catch (NumberFormatException e) {
                    // Not a layer tensor of ours; extra tensors are allowed.
                }
            }
        }
        if (config.numHiddenLayers() > layersInFiles) {
            throw new CheckpointException(ModelConfigJson.FILE_NAME, "num_hidden_layers", config.numHiddenLayers()
                    + " found, but " + tensors.sourceName() + " holds tensors for " + layersInFiles + " layer(s)");
        }
    }

    private void require(List<String> missing, String name) {
        if (!tensors.contains(name)) {
            missing.add(name);
        }
    }

    HostTensor floatTensor(String name, long... expectedShape) {
        TensorEntry e = tensors.entry(name);
        if (!e.dtype().isFloat16or32()) {
            throw fail(name, "dtype " + e.dtype() + " found, expected BF16, F16 or F32");
        }
        checkShape(e, expectedShape);
        return new HostTensor(name, e.dtype(), e.shape(), tensors.data(name));
    }

    /** A norm weight: finite values, since a NaN here silently poisons every token. */
    HostTensor norm(String name, long width) {
        HostTensor t = floatTensor(name, width);
        checkFinite(t);
        return t;
    }

    HostTensor embeddingLike(String name) {
        HostTensor t = floatTensor(name, config.vocabSize(), config.hiddenSize());
        checkFinite(t);
        // Validated: read again row by row when uploaded (or in place), not held resident meanwhile.
        MappedPages.release(t.data());
        return t;
    }

    PackedTernary projection(int layer, Projection p) {
        String name = TensorNames.weight(layer, p);
        long out = p.outFeatures(config);
        long in = p.inFeatures(config);
        TensorEntry e = tensors.entry(name);
        if (e.dtype() == SafetensorsDType.U8) {
            checkShape(e, out / 4, in);
            MemorySegment data = tensors.data(name);
            TernaryCodes.Scan scan = TernaryCodes.scan(data);
            if (!scan.valid()) {
                long r = scan.firstInvalidByte() / in;
                long c = scan.firstInvalidByte() % in;
                throw fail(name, "invalid ternary code 3 in packed byte [" + r + ", " + c + "]");
            }
            if (scan.allZero()) {
                warnings.add(tensors.fileOf(name) + ": " + name + ": every weight is zero (see BitNet issue #608)");
            }
            MappedPages.release(data);
            return new PackedTernary(out, in, data, scale(layer, p));
        }
        if (e.dtype().isFloat16or32()) {
            checkShape(e, out, in);
            HostTensor master = new HostTensor(name, e.dtype(), e.shape(), tensors.data(name));
            checkFinite(master);
            quantizedAtLoad = true;
            PackedTernary packed = AbsmeanQuantizer.quantize(master, out, in, arena);
            MappedPages.release(master.data());
            return packed;
        }
        throw fail(name, "dtype " + e.dtype() + " found, expected U8 (packed ternary) or BF16, F16, F32 (master weight)");
    }

    private float scale(int layer, Projection p) {
        String name = TensorNames.weightScale(layer, p);
        TensorEntry e = tensors.entry(name);
        if (!e.dtype().isFloat16or32()) {
            throw fail(name, "dtype " + e.dtype() + " found, expected BF16, F16 or F32");
        }
        if (e.elementCount() != 1 || e.rank() > 1) {
            throw fail(name, "shape " + e.shapeString() + " found, expected [1] or []");
        }
        float stored = new HostTensor(name, e.dtype(), e.shape(), tensors.data(name)).get(0);
        if (!Float.isFinite(stored) || stored <= 0) {
            throw fail(name, "weight scale " + stored + " found, expected a finite number > 0");
        }
        // Legacy bitlinear stores the reciprocal; hand the engine one meaning only.
        float scale = config.quantization().scaleRule() == ScaleRule.DIVIDE ? 1f / stored : stored;
        if (!Float.isFinite(scale)) {
            throw fail(name, "weight scale " + stored + " has no finite reciprocal");
        }
        return scale;
    }

    private void checkShape(TensorEntry e, long... expected) {
        if (!e.hasShape(expected)) {
            throw fail(e.name(), "shape " + e.shapeString() + " found, expected " + Arrays.toString(expected)
                    + " (from config.json)");
        }
    }

    private void checkFinite(HostTensor t) {
        long n = t.elementCount();
        MemorySegment d = t.data();
        switch (t.dtype()) {
            case BF16 -> {
                for (long i = 0; i < n; i++) {
                    if ((d.get(SHORT, i * 2) & 0x7F80) == 0x7F80) {
                        throw notFinite(t, i);
                    }
                }
            }
            case F16 -> {
                for (long i = 0; i < n; i++) {
                    if ((d.get(SHORT, i * 2) & 0x7C00) == 0x7C00) {
                        throw notFinite(t, i);
                    }
                }
            }
            default -> {
                for (long i = 0; i < n; i++) {
                    if (!Float.isFinite(t.get(i))) {
                        throw notFinite(t, i);
                    }
                }
            }
        }
    }

    private CheckpointException notFinite(HostTensor t, long i) {
        return fail(t.name(), "non-finite value " + t.get(i) + " at flat index " + i);
    }

    private CheckpointException fail(String tensor, String problem) {
        String file = tensors.fileOf(tensor);
        return new CheckpointException(file == null ? tensors.sourceName() : file, tensor, problem);
    }

}
