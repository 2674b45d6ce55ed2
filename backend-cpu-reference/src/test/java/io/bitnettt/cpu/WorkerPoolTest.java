package io.bitnettt.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntPredicate;

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
    void chunksCoverEveryIndexOnceInTheCutOfNIntoChunksAndEachPartRunsItsChunksOneAtATime() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int n : new int[] {0, 1, 2, 3, 7, 50, 1000}) {
                for (int chunks : new int[] {1, 3, 4, 24, 2000}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    AtomicIntegerArray busy = new AtomicIntegerArray(3);
                    List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
                    String where = "n = " + n + ", chunks = " + chunks;
                    pool.forChunks(n, chunks, (part, from, to) -> {
                        assertEquals(1, busy.incrementAndGet(part), "part " + part + " ran two ranges at once, " + where);
                        ranges.add(new int[] {from, to});
                        for (int i = from; i < to; i++) {
                            hits.incrementAndGet(i);
                        }
                        busy.decrementAndGet(part);
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "index " + i + ", " + where);
                    }
                    // Past the thread count the cut is into min(chunks, n) ranges as forRange cuts into parts:
                    // for 7 into 4, [0,1) [1,3) [3,5) [5,7).
                    ranges.sort((x, y) -> Integer.compare(x[0], y[0]));
                    int expected = n == 0 ? 0 : chunks <= 3 || n <= 3 ? Math.min(3, n) : Math.min(chunks, n);
                    assertEquals(expected, ranges.size(), where);
                    if (n == 7 && chunks == 4) {
                        assertArrayEquals(new int[] {0, 1}, ranges.get(0));
                        assertArrayEquals(new int[] {1, 3}, ranges.get(1));
                        assertArrayEquals(new int[] {3, 5}, ranges.get(2));
                        assertArrayEquals(new int[] {5, 7}, ranges.get(3));
                    }
                }
            }
        }
    }

    @Test
    void chunksRunOnTheCallerWhenNoWorkerStartsAndAFailureIsRethrownAfterTheRest() {
        try (WorkerPool pool = new WorkerPool(2, false)) {
            List<Thread> runners = Collections.synchronizedList(new ArrayList<>());
            AtomicIntegerArray hits = new AtomicIntegerArray(100);
            IllegalStateException boom = new IllegalStateException("chunk [30, 40) failed");
            assertSame(boom, assertThrows(IllegalStateException.class, () -> pool.forChunks(100, 10, (part, from, to) -> {
                runners.add(Thread.currentThread());
                for (int i = from; i < to; i++) {
                    hits.incrementAndGet(i);
                }
                if (from == 30) {
                    throw boom;
                }
            })));
            // The part that failed stops claiming; the other part claims what is left.
            for (int i = 0; i < 100; i++) {
                assertEquals(1, hits.get(i), "index " + i);
            }
            assertEquals(10, runners.size());
            assertTrue(runners.stream().allMatch(t -> t == Thread.currentThread()));
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
            int contended = WorkerPool.SoloRule.CONTENDED;
            int stretch = WorkerPool.SoloRule.MIN_SOLO_CALLS;
            for (int call = 0; call < 2 * contended + stretch + 5; call++) {
                // Every call on the workers has its parts taken from workers that were not parked:
                // the pool runs alone once half a window of calls showed it, not before, for a
                // stretch, then tries the workers again and backs off again.
                boolean alone = call >= contended && call < contended + stretch || call >= 2 * contended + stretch;
                assertEquals(alone, pool.runsAlone(), "call " + call);
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
            IllegalStateException boom = new IllegalStateException("part 2 failed");
            assertSame(boom, assertThrows(IllegalStateException.class, () -> pool.forRange(3, (part, from, to) -> {
                if (part == 2) {
                    throw boom;
                }
            })));
        }
    }

    /** Feeds the rule {@code calls} parallel calls, contended where {@code contended} says; the calls it sent alone. */
    private static int drive(WorkerPool.SoloRule rule, int calls, IntPredicate contended) {
        int alone = 0;
        for (int call = 0; call < calls; call++) {
            if (rule.runsAlone()) {
                rule.endSoloCall();
                alone++;
            } else {
                rule.afterParallelCall(contended.test(call));
            }
        }
        return alone;
    }

    @Test
    void isolatedLatePartsNeverSendCallsAlone() {
        // Up to 7 contended calls in every 16, in any arrangement that never puts 8 in a window.
        WorkerPool.SoloRule rule = new WorkerPool.SoloRule();
        assertEquals(0, drive(rule, 100_000, call -> call % 16 < WorkerPool.SoloRule.CONTENDED - 1));
        assertEquals(0, drive(rule, 100_000, call -> call % 3 == 0));
        assertEquals(0, drive(rule, 100_000, call -> call % 37 == 0 || call % 41 == 0));
        assertFalse(rule.runsAlone());
    }

    @Test
    void halfAWindowOfContendedCallsSendsCallsAloneForAStretchThatDoublesUpToTheCapAndHalvesWhenClean() {
        int window = WorkerPool.SoloRule.WINDOW;
        int contended = WorkerPool.SoloRule.CONTENDED;
        int least = WorkerPool.SoloRule.MIN_SOLO_CALLS;
        int most = WorkerPool.SoloRule.MAX_SOLO_CALLS;
        WorkerPool.SoloRule rule = new WorkerPool.SoloRule();
        // Every other call contended: the 8th of them, 15th call, trips the rule.
        assertEquals(0, drive(rule, 2 * contended - 2, call -> call % 2 == 0));
        assertFalse(rule.runsAlone());
        rule.afterParallelCall(true);
        assertTrue(rule.runsAlone());
        assertEquals(least, drive(rule, least, call -> true));
        assertFalse(rule.runsAlone());

        // While the calls back on the workers are contended, each stretch doubles, up to the cap.
        int expected = 2 * least;
        for (int trip = 0; trip < 10; trip++) {
            assertEquals(0, drive(rule, contended - 1, call -> true), "trip " + trip);
            assertFalse(rule.runsAlone(), "trip " + trip);
            rule.afterParallelCall(true);
            assertEquals(expected, drive(rule, expected, call -> false), "trip " + trip);
            assertFalse(rule.runsAlone(), "trip " + trip);
            expected = Math.min(2 * expected, most);
        }
        assertEquals(most, expected);

        // A window of clean calls in a row halves the next stretch once...
        assertEquals(0, drive(rule, window, call -> false));
        assertEquals(0, drive(rule, contended, call -> true));
        assertEquals(most / 2, drive(rule, most, call -> false));
        // ...and each clean call after it once more, down to the least.
        assertEquals(0, drive(rule, window + 20, call -> false));
        assertEquals(0, drive(rule, contended, call -> true));
        assertEquals(least, drive(rule, most, call -> false));
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
