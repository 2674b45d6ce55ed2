package io.bitnettt.model.checkpoint;

import java.lang.foreign.MemorySegment;

/** Gives a read-only file mapping's pages back to the page cache once they have been read. */
public final class MappedPages {
    private MappedPages() {
    }

    /**
     * Drops a memory-mapped segment's pages from this process ({@link MemorySegment#unload},
     * {@code madvise(MADV_DONTNEED)}): a read-only shared mapping loses nothing, the pages stay in the
     * page cache and come back on the next read, but they no longer count in the resident set.
     * Other memory is left alone.
     */
    public static void release(MemorySegment segment) {
        if (segment.isMapped()) {
            segment.unload();
        }
    }
}
