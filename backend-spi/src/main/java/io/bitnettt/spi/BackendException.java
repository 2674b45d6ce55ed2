package io.bitnettt.spi;

/**
 * The one exception type for backend failures. It always says which backend and which operation
 * failed, so a message from deep inside a decode step can still be acted on.
 */
public class BackendException extends RuntimeException {
    private final String backend;
    private final String operation;

    public BackendException(String backend, String operation, String message) {
        this(backend, operation, message, null);
    }

    public BackendException(String backend, String operation, String message, Throwable cause) {
        super("[" + backend + "] " + operation + ": " + message, cause);
        this.backend = backend;
        this.operation = operation;
    }

    public String backend() {
        return backend;
    }

    public String operation() {
        return operation;
    }
}
