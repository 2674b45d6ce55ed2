package io.bitnettt.spi;

import java.util.Map;
import java.util.Set;

/**
 * What an open device can do.
 *
 * @param dtypes         element types it stores natively
 * @param memoryBytes    capacity per placement it offers (a CPU reports host memory for all)
 * @param captureReplay  whether {@link Device#capture} records and replays rather than re-running
 * @param tileSize       preferred tile edge (32 on Tenstorrent, 1 when tiling brings nothing)
 * @param computeUnits   parallel workers (threads, or Tensix cores)
 */
public record Capabilities(Set<DType> dtypes, Map<MemoryPlacement, Long> memoryBytes, boolean captureReplay,
                           int tileSize, int computeUnits) {
    public Capabilities {
        dtypes = Set.copyOf(dtypes);
        memoryBytes = Map.copyOf(memoryBytes);
    }
}
