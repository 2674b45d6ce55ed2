package io.bitnettt.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tracks open devices so one shutdown hook can close those an application forgot: a Tenstorrent
 * card left open hangs until reset, so closing on exit is not optional.
 */
public final class OpenDevices {
    private static final Set<Device> OPEN = ConcurrentHashMap.newKeySet();
    private static volatile boolean hookInstalled;

    private OpenDevices() {
    }

    public static void register(Device device) {
        installHook();
        OPEN.add(device);
    }

    public static void unregister(Device device) {
        OPEN.remove(device);
    }

    public static int count() {
        return OPEN.size();
    }

    /** Closes every registered device; what the shutdown hook runs. */
    public static void closeAll() {
        for (Device d : new ArrayList<>(OPEN)) {
            try {
                d.close();
            } catch (RuntimeException e) {
                System.getLogger(OpenDevices.class.getName())
                        .log(System.Logger.Level.WARNING, "closing " + d.backendName() + " device at exit failed", e);
            }
        }
    }

    private static synchronized void installHook() {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(OpenDevices::closeAll, "bitnet-close-devices"));
            hookInstalled = true;
        }
    }

    static List<Device> snapshot() {
        return List.copyOf(OPEN);
    }
}
