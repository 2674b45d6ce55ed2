package io.bitnettt.tt;

import io.bitnettt.spi.BackendProvider;
import io.bitnettt.spi.BackendUnavailableException;
import io.bitnettt.spi.DeviceOptions;
import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class TenstorrentBackendProviderTest {

    @Test
    void registeredWithServiceLoaderAndReportsWhyItIsUnavailable() {
        BackendProvider tt = ServiceLoader.load(BackendProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("tenstorrent"))
                .findFirst().orElseThrow();
        assertFalse(tt.probe().available());
        assertTrue(tt.probe().reason().contains("bitnet.tt.library"), tt.probe().reason());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> tt.open(DeviceOptions.defaults()));
        assertEquals("tenstorrent", e.backend());
    }
}
