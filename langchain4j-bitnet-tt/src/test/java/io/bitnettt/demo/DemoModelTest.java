package io.bitnettt.demo;

import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.tokenizer.BpeTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class DemoModelTest {

    @Test
    void theDemoFolderIsAValidCheckpointWithAMatchingTokenizer(@TempDir Path cache) throws Exception {
        Path dir = DemoModel.ensure(cache);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(DemoModel.config().vocabSize(), c.config().vocabSize());
            assertEquals(4, c.layerCount());
        }
        BpeTokenizer t = BpeTokenizer.load(dir.resolve("tokenizer.json"));
        assertEquals(384, t.vocabSize());
        // Special ids follow the Llama 3 names, placed after the byte tokens and merges.
        assertEquals(376, t.bosId());
        assertEquals(377, t.eosId());
        assertEquals(383, t.eotId());
        String text = "BitNet stores ternary weights: -1, 0, +1. Ünïcödé ✓ 🙂";
        int[] ids = t.encode(text, false);
        assertEquals(text, t.decode(ids));
        // The learned merges make common corpus words shorter than their bytes.
        assertTrue(t.encode(" the weights", false).length < " the weights".length());
    }

    @Test
    void theDemoIsDeterministicAndReusedOnceWritten(@TempDir Path a, @TempDir Path b) throws Exception {
        Path first = DemoModel.ensure(a);
        Path second = DemoModel.ensure(b);
        assertEquals(-1, Files.mismatch(first.resolve("model.safetensors"), second.resolve("model.safetensors")));
        assertEquals(-1, Files.mismatch(first.resolve("tokenizer.json"), second.resolve("tokenizer.json")));
        long stamp = Files.getLastModifiedTime(first.resolve("model.safetensors")).toMillis();
        assertEquals(first, DemoModel.ensure(a));
        assertEquals(stamp, Files.getLastModifiedTime(first.resolve("model.safetensors")).toMillis());
    }
}
