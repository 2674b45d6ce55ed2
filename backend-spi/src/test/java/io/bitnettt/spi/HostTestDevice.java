package io.bitnettt.spi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Set;

/** A minimal device holding tensors in host memory, to test the SPI's shared bookkeeping. */
final class HostTestDevice extends AbstractDevice {
    boolean released;

    HostTestDevice() {
        super("test");
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(Set.of(DType.F32), Map.of(MemoryPlacement.HOST, 1L << 20), false, 1, 1);
    }

    @Override
    public Tensor allocate(TensorSpec spec) {
        ensureOpen("allocate");
        return track(new HostTensor(spec));
    }

    @Override
    public Tensor uploadTernary(long out, long in, MemorySegment hfPacked, float scale, MemoryPlacement placement) {
        throw new UnsupportedOperationException();
    }

    @Override
    public TransformerOps ops() {
        throw new UnsupportedOperationException();
    }

    @Override
    protected void release() {
        released = true;
    }

    final class HostTensor implements Tensor {
        private final TensorSpec spec;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment data;
        private boolean closed;

        HostTensor(TensorSpec spec) {
            this.spec = spec;
            this.data = arena.allocate(spec.hostBytes());
        }

        @Override
        public TensorSpec spec() {
            return spec;
        }

        @Override
        public void upload(MemorySegment source) {
            data.copyFrom(source);
        }

        @Override
        public void download(MemorySegment destination) {
            destination.copyFrom(data);
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                arena.close();
                untrack(this);
            }
        }
    }
}
