package io.bitnettt.tt;

import io.bitnettt.spi.BackendException;
import io.bitnettt.spi.CapturedStep;

/** A recorded decode step: replay executes the device trace; close releases it. */
final class TtCapturedStep implements CapturedStep {
    private final TenstorrentDevice device;
    private final long trace;
    private volatile boolean closed;

    TtCapturedStep(TenstorrentDevice device, long trace) {
        this.device = device;
        this.trace = trace;
    }

    @Override
    public void replay() {
        if (closed) {
            throw new BackendException(device.backendName(), "replay", "the captured step was already closed");
        }
        device.replay(trace);
    }

    @Override
    public boolean isRecorded() {
        return true;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        device.releaseTrace(trace);
    }
}
