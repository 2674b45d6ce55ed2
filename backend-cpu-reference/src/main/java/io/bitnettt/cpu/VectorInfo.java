package io.bitnettt.cpu;

import java.util.Locale;

import io.bitnettt.cpu.kernel.TernaryLayout;
import io.bitnettt.cpu.kernel.TouchAhead;

/** Kept apart from the provider so a missing Vector API module fails here, inside the probe. */
final class VectorInfo {
    private VectorInfo() {
    }

    static String describe() {
        TouchAhead.checkProperty();
        return TernaryLayout.SPECIES + " (" + TernaryLayout.SPECIES.vectorBitSize() + "-bit), ternary kernel "
                + TernaryKernel.chosen().name().toLowerCase(Locale.ROOT)
                + (TouchAhead.ON ? ", touch-ahead " + TouchAhead.DISTANCE + " B" : ", no touch-ahead")
                + (CpuDevice.warmupEnabled() ? ", kernels warmed up at open" : ", no warm-up")
                + ", " + HugePages.describe();
    }
}
