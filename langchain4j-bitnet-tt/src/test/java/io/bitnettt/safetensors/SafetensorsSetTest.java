package io.bitnettt.safetensors;

import io.bitnettt.model.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsSetTest {

    @TempDir
    Path dir;

    private void twoShards() throws Exception {
        RawSafetensors.write(dir.resolve("s1.safetensors"),
                "{\"x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[]{1, 2});
        RawSafetensors.write(dir.resolve("s2.safetensors"),
                "{\"y\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[]{3});
    }

    @Test
    void readsShardsThroughTheIndex() throws Exception {
        twoShards();
        Files.writeString(dir.resolve(SafetensorsIndex.FILE_NAME),
                "{\"metadata\":{\"total_size\":3},\"weight_map\":{\"x\":\"s1.safetensors\",\"y\":\"s2.safetensors\"}}");
        try (SafetensorsSet set = SafetensorsSet.open(dir)) {
            assertEquals(2, set.files().size());
            assertEquals("s2.safetensors", set.fileOf("y"));
            assertArrayEquals(new byte[]{1, 2}, set.data("x").toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(new byte[]{3}, set.data("y").toArray(ValueLayout.JAVA_BYTE));
            assertEquals(SafetensorsIndex.FILE_NAME, set.sourceName());
        }
    }

    @Test
    void missingShardIsNamed() throws Exception {
        twoShards();
        Files.writeString(dir.resolve(SafetensorsIndex.FILE_NAME),
                "{\"weight_map\":{\"x\":\"s1.safetensors\",\"y\":\"s3-of-3.safetensors\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsSet.open(dir));
        assertTrue(e.getMessage().startsWith(SafetensorsIndex.FILE_NAME + ": s3-of-3.safetensors: "), e.getMessage());
    }

    @Test
    void indexEntryAbsentFromItsShard() throws Exception {
        twoShards();
        Files.writeString(dir.resolve(SafetensorsIndex.FILE_NAME),
                "{\"weight_map\":{\"x\":\"s1.safetensors\",\"z\":\"s2.safetensors\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsSet.open(dir));
        assertTrue(e.getMessage().startsWith("s2.safetensors: z: "), e.getMessage());
    }

    @Test
    void indexMayNotPointOutsideTheFolder() throws Exception {
        twoShards();
        Files.writeString(dir.resolve(SafetensorsIndex.FILE_NAME), "{\"weight_map\":{\"x\":\"../s1.safetensors\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsSet.open(dir));
        assertTrue(e.getMessage().contains("weight_map.x"), e.getMessage());
        Files.writeString(dir.resolve(SafetensorsIndex.FILE_NAME), "{\"weight_map\":[]}");
        e = assertThrows(CheckpointException.class, () -> SafetensorsSet.open(dir));
        assertTrue(e.getMessage().startsWith(SafetensorsIndex.FILE_NAME + ": weight_map: "), e.getMessage());
    }

    @Test
    void folderWithoutWeights() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsSet.open(dir));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }
}
