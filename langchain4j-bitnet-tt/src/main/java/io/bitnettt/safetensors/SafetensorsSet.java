package io.bitnettt.safetensors;

import io.bitnettt.model.CheckpointException;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tensors of a model folder, from a single {@code model.safetensors} or from the shards listed
 * in {@code model.safetensors.index.json}. Owns (and closes) every shard it opened.
 */
public final class SafetensorsSet implements AutoCloseable {

    public static final String SINGLE_FILE = "model.safetensors";

    private final String sourceName;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;

    private SafetensorsSet(String sourceName, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
        this.sourceName = sourceName;
        this.files = files;
        this.byTensor = byTensor;
    }

    /** Opens the index if the folder has one, else {@code model.safetensors}. */
    public static SafetensorsSet open(Path dir) {
        Path index = dir.resolve(SafetensorsIndex.FILE_NAME);
        if (Files.isRegularFile(index)) {
            return openIndexed(dir, SafetensorsIndex.read(index));
        }
        Path single = dir.resolve(SINGLE_FILE);
        if (!Files.isRegularFile(single)) {
            throw new CheckpointException(SINGLE_FILE, "(file)", "model folder " + dir + " has neither "
                    + SINGLE_FILE + " nor " + SafetensorsIndex.FILE_NAME);
        }
        SafetensorsFile file = SafetensorsFile.open(single);
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        for (String name : file.names()) {
            byTensor.put(name, file);
        }
        return new SafetensorsSet(SINGLE_FILE, List.of(file), byTensor);
    }

    private static SafetensorsSet openIndexed(Path dir, SafetensorsIndex index) {
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            for (String shardName : new TreeSet<>(index.weightMap().values())) {
                Path shard = dir.resolve(shardName);
                if (!Files.isRegularFile(shard)) {
                    throw new CheckpointException(SafetensorsIndex.FILE_NAME, shardName,
                            "shard listed in weight_map is missing from " + dir);
                }
                shards.put(shardName, SafetensorsFile.open(shard));
            }
            for (var e : index.weightMap().entrySet()) {
                SafetensorsFile shard = shards.get(e.getValue());
                if (!shard.contains(e.getKey())) {
                    throw new CheckpointException(shard.fileName(), e.getKey(),
                            "tensor listed in " + SafetensorsIndex.FILE_NAME + " is not in this shard");
                }
                byTensor.put(e.getKey(), shard);
            }
            return new SafetensorsSet(SafetensorsIndex.FILE_NAME, new ArrayList<>(shards.values()), byTensor);
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The file that lists the tensors: the index of a sharded checkpoint, else the single file. */
    public String sourceName() {
        return sourceName;
    }

    /** Tensor names this set can serve. */
    public Set<String> names() {
        return Collections.unmodifiableSet(byTensor.keySet());
    }

    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    /** The header entry of {@code name}, or null if absent. */
    public TensorEntry entry(String name) {
        SafetensorsFile f = byTensor.get(name);
        return f == null ? null : f.entry(name);
    }

    /** The file that holds {@code name}, for error messages; null if absent. */
    public String fileOf(String name) {
        SafetensorsFile f = byTensor.get(name);
        return f == null ? null : f.fileName();
    }

    /** The mapped bytes of {@code name}. */
    public MemorySegment data(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new CheckpointException(sourceName, name,
                    "no such tensor in the checkpoint");
        }
        return f.data(name);
    }

    public List<SafetensorsFile> files() {
        return Collections.unmodifiableList(files);
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
