package io.bitnettt.tt.ffi;

/** The device library could not be loaded or is not one these bindings can drive. */
public class BttLoadException extends RuntimeException {
    public BttLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
