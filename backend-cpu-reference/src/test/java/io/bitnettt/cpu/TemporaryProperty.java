package io.bitnettt.cpu;

/** A system property set for one test and put back as it was (value or absence) on close. */
public final class TemporaryProperty implements AutoCloseable {
    private final String name;
    private final String old;

    private TemporaryProperty(String name, String value) {
        this.name = name;
        this.old = System.getProperty(name);
        System.setProperty(name, value);
    }

    public static TemporaryProperty set(String name, String value) {
        return new TemporaryProperty(name, value);
    }

    @Override
    public void close() {
        if (old == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, old);
        }
    }
}
