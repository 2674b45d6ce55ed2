package io.bitnettt.cpu;

/** The CPU backend's on/off system properties: {@code true} (the default) or {@code false}, anything else refused by name. */
final class SwitchProperty {
    private SwitchProperty() {
    }

    /** Whether system property {@code name} leaves its feature on. */
    static boolean on(String name) {
        String value = System.getProperty(name, "true").trim();
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException("system property " + name + " is '" + value + "'; expected true or false");
    }
}
