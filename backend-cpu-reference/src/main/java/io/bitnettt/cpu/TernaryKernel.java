package io.bitnettt.cpu;

import java.util.Locale;

import io.bitnettt.cpu.kernel.LookupLayout;
import io.bitnettt.cpu.kernel.TernaryLayout;
import io.bitnettt.cpu.kernel.WeightLayout;

/**
 * Which ternary kernels, and so which weight layout, this JVM uses: table lookup where 512-bit
 * vectors are preferred, multiply-add elsewhere. The system property
 * {@value #PROPERTY} ({@code auto}, {@code lookup} or {@code multiply}) overrides the choice, for
 * comparisons and for tests of the path this machine would not take.
 */
enum TernaryKernel {
    LOOKUP, MULTIPLY;

    static final String PROPERTY = "bitnet.cpu.ternaryKernel";

    /** Read at each call, so a bad value fails where it is used with a message, not in a class initializer. */
    static TernaryKernel chosen() {
        return choose(System.getProperty(PROPERTY, "auto"));
    }

    static TernaryKernel choose(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> LookupLayout.SUPPORTED ? LOOKUP : MULTIPLY;
            case "lookup" -> LOOKUP;
            case "multiply" -> MULTIPLY;
            default -> throw new IllegalArgumentException(
                    "system property " + PROPERTY + " is '" + value + "'; expected auto, lookup or multiply");
        };
    }

    WeightLayout layout(int out, int in) {
        return this == LOOKUP ? new LookupLayout(out, in) : new TernaryLayout(out, in);
    }
}
