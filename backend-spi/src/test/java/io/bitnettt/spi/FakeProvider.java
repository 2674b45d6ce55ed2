package io.bitnettt.spi;

/** A test-only provider whose availability is fixed by the test. */
record FakeProvider(String name, int priority, Availability availability) implements BackendProvider {

    static FakeProvider up(String name, int priority) {
        return new FakeProvider(name, priority, Availability.available("test"));
    }

    static FakeProvider down(String name, int priority, String reason) {
        return new FakeProvider(name, priority, Availability.unavailable(reason));
    }

    @Override
    public Availability probe() {
        return availability;
    }

    @Override
    public Device open(DeviceOptions options) {
        throw new UnsupportedOperationException("test provider " + name + " opens nothing");
    }
}
