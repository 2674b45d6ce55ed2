package io.bitnettt.spi;

/**
 * A backend, found with {@link java.util.ServiceLoader} through
 * {@code META-INF/services/io.bitnettt.spi.BackendProvider}. Providers must be cheap to construct:
 * all real work (loading native libraries, finding devices) happens in {@link #probe()} and
 * {@link #open}.
 */
public interface BackendProvider {

    /** Short stable name users pass to {@code --backend}, e.g. {@code cpu} or {@code tenstorrent}. */
    String name();

    /** Higher wins under {@code auto}. An accelerator outranks the CPU. */
    int priority();

    /**
     * Whether {@code auto} may pick this backend. A backend that only stands in for hardware (an
     * emulator) answers false, so it runs only when asked for by name and never hides a missing card.
     */
    default boolean autoSelectable() {
        return true;
    }

    /** Whether this backend can run here; never throws, an unavailable answer carries the reason. */
    Availability probe();

    /** Opens a device. Callers close it; a device left open is closed by a shutdown hook. */
    Device open(DeviceOptions options);
}
