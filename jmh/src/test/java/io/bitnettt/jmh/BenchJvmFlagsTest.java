package io.bitnettt.jmh;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every benchmark JMH will fork runs with the flags the tests run with (parent pom {@code bitnet.jvm.flags}). */
class BenchJvmFlagsTest {

    private static List<String> pomFlags() {
        String flags = System.getProperty("bitnet.jvm.flags");
        assertNotNull(flags, "surefire passes the parent pom's bitnet.jvm.flags as a system property");
        return Arrays.asList(flags.trim().split("\\s+"));
    }

    @Test
    void constantsMatchThePom() {
        assertEquals(pomFlags(), List.of(BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS));
    }

    @Test
    void everyBenchmarkForksWithTheFlags() throws IOException {
        List<BenchmarkListEntry> entries;
        try (InputStream in = BenchJvmFlagsTest.class.getResourceAsStream(BenchmarkList.BENCHMARK_LIST)) {
            assertNotNull(in, "the JMH annotation processor wrote " + BenchmarkList.BENCHMARK_LIST);
            entries = BenchmarkList.readBenchmarkList(in);
        }
        assertFalse(entries.isEmpty());
        for (BenchmarkListEntry e : entries) {
            Collection<String> append = e.getJvmArgsAppend().orElse(List.of());
            assertTrue(append.containsAll(pomFlags()), e.getUsername() + " forks with " + append);
        }
    }
}
