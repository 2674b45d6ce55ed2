package io.bitnettt.spi;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.*;

class AutoSelectionLoggingTest {

    @Test
    void autoLogsEachSkippedBackendWithItsReason() {
        List<String> messages = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                messages.add(new java.util.logging.SimpleFormatter().formatMessage(r));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger jul = Logger.getLogger(BackendSelector.class.getName());
        jul.addHandler(capture);
        try {
            new BackendSelector(List.of(FakeProvider.up("cpu", 10),
                    FakeProvider.down("card", 100, "firmware too old"))).select("auto");
        } finally {
            jul.removeHandler(capture);
        }
        assertEquals(List.of("auto: skipped backend 'card': firmware too old",
                "auto: selected backend 'cpu' (priority 10)"), messages);
    }

    @Test
    void autoLogsThatAnExplicitOnlyBackendIsPassedOver() {
        List<String> messages = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                messages.add(new java.util.logging.SimpleFormatter().formatMessage(r));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        BackendProvider emulator = new BackendProvider() {
            public String name() { return "emulator"; }
            public int priority() { return 1000; }
            public boolean autoSelectable() { return false; }
            public Availability probe() { return Availability.available("emulated card"); }
            public Device open(DeviceOptions o) { throw new UnsupportedOperationException(); }
        };
        Logger jul = Logger.getLogger(BackendSelector.class.getName());
        jul.addHandler(capture);
        try {
            new BackendSelector(List.of(FakeProvider.up("cpu", 10), emulator)).select("auto");
        } finally {
            jul.removeHandler(capture);
        }
        assertEquals(List.of("auto: skipped backend 'emulator': it is chosen only by name",
                "auto: selected backend 'cpu' (priority 10)"), messages);
    }
}
