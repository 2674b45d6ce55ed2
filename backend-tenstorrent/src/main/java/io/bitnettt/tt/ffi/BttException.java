package io.bitnettt.tt.ffi;

import io.bitnettt.spi.BackendException;

/**
 * A call into the device library returned a non-zero {@code btt_status}. The message is the
 * library's own ({@code btt_last_error}), which names the C function, handles and shapes.
 */
public class BttException extends BackendException {
    private final BttStatus status;

    public BttException(String backend, String operation, BttStatus status, String message) {
        super(backend, operation, message + " (" + status + ")");
        this.status = status;
    }

    public BttStatus status() {
        return status;
    }

    /** DRAM or L1 capacity was exceeded. */
    public boolean isOutOfMemory() {
        return status == BttStatus.OUT_OF_MEMORY;
    }
}
