package io.bitnettt.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Memory for the ternary weights, mapped by the process itself and advised to Linux as transparent
 * huge pages (2 MB) before anything touches it. A decode step of 2B-4T streams about 470 MB of
 * ternary weights, about 115 000 pages of 4 KB, each a TLB miss and a page walk; in 2 MB pages the
 * same bytes are 235. On the Zen 4 VM the gate/up and down GEMVs from memory ran 21–35 % faster on
 * one thread (README, "Huge pages for the ternary weights"). The KV caches and the output
 * tables, which measured no gain, keep ordinary pages: a huge page is resident as a whole as soon
 * as one byte of it is written, which a cache sized for the whole context would pay for early.
 *
 * <p>Only a tensor's whole 2 MB pages are advised, and its partial last one where that adds at
 * most an eighth ({@link #advised}), so no tensor's resident size grows by more. The
 * memory comes zeroed from the kernel, as {@link Arena#allocate} gives it, and is unmapped when
 * the tensor's arena closes. Where huge pages are not offered (not Linux, native access not
 * enabled for this module, the property {@value #PROPERTY} set to {@code false}, a tensor under
 * 2 MB, or a mapping refused) {@link #allocate} returns null and the caller allocates as before.
 * A refused advice (THP compiled out, or set to {@code never}) leaves ordinary pages. Bits are the
 * same either way: only where the bytes sit changes.
 */
final class HugePages {
    /** System property: {@code true} (default) or {@code false}, for comparisons. */
    static final String PROPERTY = "bitnet.cpu.hugePages";
    /** The huge page size of x86-64 and of aarch64 with 4 KB base pages. */
    static final long SIZE = 2L << 20;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    /** MAP_PRIVATE | MAP_ANONYMOUS, the same values on Linux x86-64 and aarch64. */
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final long MAP_FAILED = -1L;
    private static final Calls CALLS = Calls.find();

    private HugePages() {
    }

    /** Refuses a bad {@value #PROPERTY} by name; the CPU device calls it when it opens. */
    static void checkProperty() {
        enabled();
    }

    /** Whether the property leaves huge pages on. */
    static boolean enabled() {
        return SwitchProperty.on(PROPERTY);
    }

    /** For the backend's probe: where its ternary weights go, and why not in huge pages. */
    static String describe() {
        if (!enabled()) {
            return "ternary weights in ordinary pages (" + PROPERTY + "=false)";
        }
        if (CALLS == null) {
            return "ternary weights in ordinary pages (huge pages need Linux and --enable-native-access)";
        }
        return "ternary weights of 2 MB or more advised as huge pages";
    }

    /** Whether this JVM can map memory here at all (Linux, native access enabled). */
    static boolean offered() {
        return CALLS != null;
    }

    /**
     * {@code bytes} of zeroed memory, 2 MB aligned, unmapped when {@code arena} closes, its first
     * {@link #advised} bytes advised as huge pages; null where that is not offered (see the class
     * comment).
     */
    static MemorySegment allocate(long bytes, Arena arena) {
        if (CALLS == null || bytes < SIZE || !enabled()) {
            return null;
        }
        return CALLS.map(bytes, arena);
    }

    /**
     * Bytes from the start to advise: the whole 2 MB pages of a tensor of {@code bytes}, and its
     * last, partial one too where rounding up to it adds at most an eighth of the tensor. A gate, up
     * or down projection of 2B-4T (3.94 MB in the lookup layout) is then two huge pages rather than
     * one and 1.9 MB of small pages, for 0.25 MB more resident memory: 23 MB over the model's 90.
     */
    static long advised(long bytes) {
        long whole = bytes & -SIZE;
        long rest = bytes - whole;
        return rest > 0 && SIZE - rest <= bytes / 8 ? whole + SIZE : whole;
    }

    /** The three libc calls, bound once; null where they must not or cannot be. */
    private record Calls(MethodHandle mmap, MethodHandle madvise, MethodHandle munmap) {
        static Calls find() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
            boolean knownConstants = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64");
            // Without native access a downcall would print a warning on the user's console (or fail,
            // with --illegal-native-access=deny): ordinary allocation is then the quiet choice.
            if (!os.startsWith("linux") || !knownConstants || !HugePages.class.getModule().isNativeAccessEnabled()) {
                return null;
            }
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                MethodHandle mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                MethodHandle madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT));
                MethodHandle munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                return new Calls(mmap, madvise, munmap);
            } catch (RuntimeException e) {
                return null;
            }
        }

        MemorySegment map(long bytes, Arena arena) {
            long advised = advised(bytes);
            // One huge page of slack, so an aligned start lies inside the mapping; what lies past the
            // tensor is never touched (the advised part's round-up aside), so it is address space only.
            long length = Math.max(bytes, advised) + SIZE;
            long base;
            try {
                base = ((MemorySegment) mmap.invokeExact(MemorySegment.NULL, length, PROT_READ_WRITE,
                        MAP_PRIVATE_ANONYMOUS, -1, 0L)).address();
            } catch (Throwable e) {
                return null;
            }
            if (base == MAP_FAILED || base == 0L) {
                return null; // the caller's ordinary allocation then reports a real shortage
            }
            long start = (base + SIZE - 1) & -SIZE;
            try {
                // a refusal leaves ordinary pages, which work the same
                int ignored = (int) madvise.invokeExact(MemorySegment.ofAddress(start), advised, MADV_HUGEPAGE);
                return MemorySegment.ofAddress(start).reinterpret(bytes, arena, s -> unmap(base, length));
            } catch (Throwable e) {
                unmap(base, length);
                return null;
            }
        }

        private void unmap(long base, long length) {
            try {
                int ignored = (int) munmap.invokeExact(MemorySegment.ofAddress(base), length);
            } catch (Throwable e) {
                throw new IllegalStateException("munmap of " + length + " bytes at 0x" + Long.toHexString(base) + " failed", e);
            }
        }
    }
}
