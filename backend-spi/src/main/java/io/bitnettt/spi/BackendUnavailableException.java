package io.bitnettt.spi;

/** A backend was asked for by name (or by {@code auto}) and cannot be used here. */
public class BackendUnavailableException extends BackendException {
    public BackendUnavailableException(String backend, String message) {
        super(backend, "select", message);
    }
}
