package io.bitnettt.tt.roofline;

/**
 * What one decoded token costs, as counted by the host double of TT-NN in BTT_FLAG_COUNT_ONLY mode
 * (BTT_COUNTER_OPS, _DRAM_BYTES_READ, _DRAM_BYTES_WRITTEN, _HOST_TO_DEVICE_BYTES +
 * _DEVICE_TO_HOST_BYTES, _TRACE_REPLAYS, each divided by the tokens decoded).
 *
 * @param ops              TT-NN ops (device programs) per token
 * @param dramBytesRead    DRAM bytes read per token
 * @param dramBytesWritten DRAM bytes written per token
 * @param hostDeviceBytes  bytes crossing PCIe per token, both directions
 * @param traceReplays     trace replays per token
 * @param matmulFlops      floating-point operations per token (2 per multiply-add), 0 if unknown;
 *                         the host double does not count them, see {@link BitNetDecodeModel#matmulFlopsPerToken}
 */
public record DecodeCounts(long ops, long dramBytesRead, long dramBytesWritten, long hostDeviceBytes,
                           long traceReplays, long matmulFlops) {

    public DecodeCounts {
        if (ops < 0 || dramBytesRead < 0 || dramBytesWritten < 0 || hostDeviceBytes < 0 || traceReplays < 0
                || matmulFlops < 0) {
            throw new IllegalArgumentException("DecodeCounts: every count must be >= 0, got ops=" + ops
                    + " dramBytesRead=" + dramBytesRead + " dramBytesWritten=" + dramBytesWritten
                    + " hostDeviceBytes=" + hostDeviceBytes + " traceReplays=" + traceReplays
                    + " matmulFlops=" + matmulFlops);
        }
    }

    public long dramBytes() {
        return dramBytesRead + dramBytesWritten;
    }
}
