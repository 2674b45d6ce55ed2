package io.bitnettt.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

class WorkerPoolTest {
    @Test
    void everyIndexRunsOnceInContiguousPartsWithDistinctPartNumbers() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int n : new int[] {0, 1, 2, 3, 7, 1000}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
                pool.forRange(n, (part, from, to) -> {
                    ranges.add(new int[] {part, from, to});
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i), "index " + i + " of " + n);
                }
                ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
                int parts = Math.min(3, n);
                assertEquals(parts, ranges.size(), "parts for n = " + n);
                // the split of 7 over 3 threads: [0,2) [2,4) [4,7)
                if (n == 7) {
                    assertArrayEquals(new int[] {0, 0, 2}, ranges.get(0));
                    assertArrayEquals(new int[] {1, 2, 4}, ranges.get(1));
                    assertArrayEquals(new int[] {2, 4, 7}, ranges.get(2));
                }
            }
        }
    }

    @Test
    void aFailingPartIsRethrownAfterEveryPartEndsAndThePoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalArgumentException boom = new IllegalArgumentException("part 1 failed");
            AtomicIntegerArray finished = new AtomicIntegerArray(2);
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
                    () -> pool.forRange(2, (part, from, to) -> {
                        finished.set(part, 1);
                        if (part == 1) {
                            throw boom;
                        }
                    }));
            assertSame(boom, thrown);
            assertEquals(1, finished.get(0));
            assertEquals(1, finished.get(1));

            int[] sum = new int[2];
            pool.forRange(10, (part, from, to) -> sum[part] = to - from);
            assertEquals(10, sum[0] + sum[1]);
        }
    }

    @Test
    void aParkedWorkerWakesForTheNextCall() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            int[] seen = new int[2];
            pool.forRange(2, (part, from, to) -> seen[part]++);
            Thread.sleep(WorkerPool.SPIN_NANOS / 1_000_000 + 50); // past the spin: the worker parks
            pool.forRange(2, (part, from, to) -> seen[part]++);
            assertArrayEquals(new int[] {2, 2}, seen);
        }
    }

    @Test
    void partsAWorkerHasNotStartedRunOnTheCallerWithTheirOwnNumbersAndRanges() {
        // Workers not started: the caller takes every part, as it does when a worker is off its core.
        try (WorkerPool pool = new WorkerPool(3, false)) {
            for (int call = 0; call < 2 * WorkerPool.MIN_SOLO_CALLS + 5; call++) {
                List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
                List<Thread> runners = Collections.synchronizedList(new ArrayList<>());
                pool.forRange(7, (part, from, to) -> {
                    ranges.add(new int[] {part, from, to});
                    runners.add(Thread.currentThread());
                });
                ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
                assertArrayEquals(new int[] {0, 0, 2}, ranges.get(0), "call " + call);
                assertArrayEquals(new int[] {1, 2, 4}, ranges.get(1), "call " + call);
                assertArrayEquals(new int[] {2, 4, 7}, ranges.get(2), "call " + call);
                assertEquals(List.of(Thread.currentThread(), Thread.currentThread(), Thread.currentThread()), runners);
            }
            // A worker that was not parked yet left its part to the caller: the pool backs off.
            assertTrue(pool.runsAlone());
            IllegalStateException boom = new IllegalStateException("part 2 failed");
            assertSame(boom, assertThrows(IllegalStateException.class, () -> pool.forRange(3, (part, from, to) -> {
                if (part == 2) {
                    throw boom;
                }
            })));
        }
    }

    @Test
    void workersStartedLateTakeOverAndEveryIndexStillRunsOnce() {
        try (WorkerPool pool = new WorkerPool(2, false)) {
            pool.forRange(4, (part, from, to) -> { });
            pool.startWorkers();
            for (int call = 0; call < 5000; call++) {
                int n = call % 37;
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                pool.forRange(n, (part, from, to) -> {
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i), "index " + i + " of " + n + ", call " + call);
                }
            }
        }
    }

    @Test
    void aClosedPoolRejectsWork() {
        WorkerPool pool = new WorkerPool(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.forRange(4, (part, from, to) -> { }));
    }
}
