package io.bitnettt.engine;

import io.bitnettt.model.checkpoint.MappedPages;

import java.lang.foreign.MemorySegment;

/** What the uploader does with checkpoint memory it has read. */
final class HostMemory {
    private HostMemory() {
    }

    /**
     * Drops a memory-mapped segment's pages from this process ({@link MemorySegment#unload}) once
     * the device holds its own copy, so the checkpoint is not resident twice while a model loads;
     * the pages stay in the page cache and come back on the next read. Other memory is left alone.
     */
    static void release(MemorySegment segment) {
        MappedPages.release(segment);
    }
}
