package io.bitnettt.generate;

/**
 * A sampling parameter outside its range. Carries the parameter's name, what is allowed and the
 * value given, so that a front end can say it in its own words (the command line names its option).
 */
public final class SamplingParameterException extends IllegalArgumentException {
    private final String parameter;
    private final String allowed;
    private final String value;

    public SamplingParameterException(String parameter, String allowed, Object value) {
        super(parameter + " must be " + allowed + ", was " + value);
        this.parameter = parameter;
        this.allowed = allowed;
        this.value = String.valueOf(value);
    }

    /** The engine's name of the parameter, e.g. {@code topP}. */
    public String parameter() {
        return parameter;
    }

    /** The allowed values, e.g. {@code in (0, 1] (1 = disabled)}. */
    public String allowed() {
        return allowed;
    }

    public String value() {
        return value;
    }
}
