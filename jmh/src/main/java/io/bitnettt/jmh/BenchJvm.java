package io.bitnettt.jmh;

/**
 * The JVM flags every forked benchmark JVM needs, the same as the parent pom's
 * {@code bitnet.jvm.flags} used by the tests. Annotation values must be compile-time constants, so
 * each benchmark lists them as {@code @Fork(jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR,
 * BenchJvm.NATIVE_ACCESS})}; {@code BenchJvmFlagsTest} checks every benchmark does and that the
 * constants still match the pom.
 */
public final class BenchJvm {
    public static final String ADD_MODULES = "--add-modules";
    public static final String VECTOR = "jdk.incubator.vector";
    public static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    private BenchJvm() {
    }
}
