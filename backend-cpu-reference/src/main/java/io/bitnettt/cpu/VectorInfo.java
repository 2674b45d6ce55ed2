package io.bitnettt.cpu;

import java.util.Locale;

import io.bitnettt.cpu.kernel.TernaryLayout;

/** Kept apart from the provider so a missing Vector API module fails here, inside the probe. */
final class VectorInfo {
    private VectorInfo() {
    }

    static String describe() {
        return TernaryLayout.SPECIES + " (" + TernaryLayout.SPECIES.vectorBitSize() + "-bit), ternary kernel "
                + TernaryKernel.chosen().name().toLowerCase(Locale.ROOT)
                + (CpuDevice.warmupEnabled() ? ", kernels warmed up at open" : ", no warm-up");
    }
}
