package io.bitnettt.spi;

/** One provider with the answer of its availability probe. */
public record ProbeResult(BackendProvider provider, Availability availability) {
    public String name() {
        return provider.name();
    }

    public boolean available() {
        return availability.available();
    }

    @Override
    public String toString() {
        return provider.name() + " (priority " + provider.priority() + "): "
                + (available() ? "available" : "unavailable") + " - " + availability.reason();
    }
}
