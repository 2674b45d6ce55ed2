package io.bitnettt.jmh.engine;

import java.lang.foreign.MemorySegment;
import java.util.function.ToLongFunction;

import io.bitnettt.cpu.CpuDevice;
import io.bitnettt.spi.Capabilities;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.spi.TransformerOps;

/**
 * A device whose ops are {@link TimedOps} over another device's: tensors, uploads and closing are
 * the wrapped device's own. Steps run eagerly (no capture), which is what the CPU backend does anyway.
 */
final class TimedDevice implements Device {
    private final Device device;
    private final TimedOps ops;

    TimedDevice(Device device, OpTimes times) {
        this.device = device;
        ToLongFunction<Tensor> stored = device instanceof CpuDevice cpu ? cpu::storedBytes
                : t -> t.spec().hostBytes();
        this.ops = new TimedOps(device.ops(), times, stored);
    }

    Device inner() {
        return device;
    }

    TimedOps timedOps() {
        return ops;
    }

    @Override
    public String backendName() {
        return device.backendName();
    }

    @Override
    public Capabilities capabilities() {
        return device.capabilities();
    }

    @Override
    public Tensor allocate(TensorSpec spec) {
        return device.allocate(spec);
    }

    @Override
    public Tensor upload(TensorSpec spec, MemorySegment source) {
        return device.upload(spec, source);
    }

    @Override
    public Tensor wrapHost(TensorSpec spec, MemorySegment host) {
        return device.wrapHost(spec, host);
    }

    @Override
    public Tensor uploadTernary(long out, long in, MemorySegment hfPacked, float scale, MemoryPlacement placement) {
        return device.uploadTernary(out, in, hfPacked, scale, placement);
    }

    @Override
    public TransformerOps ops() {
        return ops;
    }

    @Override
    public void synchronize() {
        device.synchronize();
    }

    @Override
    public boolean isClosed() {
        return device.isClosed();
    }

    @Override
    public void close() {
        device.close();
    }
}
