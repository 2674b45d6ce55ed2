package io.bitnettt.generate.json;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Once the states of a document are known, masking and advancing allocate nothing: a cached state's
 * mask is applied from its id list and a step is an array lookup. (No vector code is involved, so
 * this holds from the first interpreted call, not only after the JIT's escape analysis.)
 */
class ConstraintAllocationTest {
    @Test
    void maskingAndAdvancingThroughCachedStatesAllocatesNothing() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
                && bean.isThreadAllocatedMemorySupported(), "this JVM does not count allocated bytes per thread");
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        JsonDecoding decoding = ByteVocabulary.decoding(java.util.List.of("{\"", "\":", "\",\""));
        Schema schema = JsonSchemaReader.read(SchemaFeatureCases.ORDER);
        int[] tokens = tokens("{\"items\":[{\"id\":12,\"tags\":[\"a b\",\"ü\"],\"price\":9.5}],\"paid\":true}");
        float[] logits = new float[decoding.trie().logitsSize()];
        run(decoding.constraint(schema), tokens, logits); // discovers the states and their masks
        JsonConstraint warm = decoding.constraint(schema);
        long before = bean.getCurrentThreadAllocatedBytes();
        run(warm, tokens, logits);
        long allocated = bean.getCurrentThreadAllocatedBytes() - before;
        assertEquals(0, allocated, "bytes allocated while decoding " + tokens.length + " tokens through cached states");
    }

    private static int[] tokens(String doc) {
        byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xff;
        }
        return ids;
    }

    private static void run(JsonConstraint c, int[] tokens, float[] logits) {
        for (int t : tokens) {
            Arrays.fill(logits, 0.5f);
            c.mask(logits, 1000);
            c.accept(t);
        }
    }
}
