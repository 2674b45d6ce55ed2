package io.bitnettt.generate.json;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A recursive transition network over bytes: the compiled form of a {@link Schema}. Each schema
 * value is a procedure (a start node and one accepting exit node); nodes have byte-range edges,
 * epsilon edges (a jump, also into another procedure's start: a tail call) and call edges (run a
 * procedure, then continue at a return node). Reaching an accepting node returns to the caller.
 * Immutable once built.
 */
final class ByteGrammar {
    static final int UNREACHABLE = Integer.MAX_VALUE / 4;

    final int start;
    final int nodeCount;
    final boolean[] accepting;
    // Byte edges of node n: indices byteFrom[n] until byteFrom[n + 1] of lo, hi, byteTarget.
    final int[] byteFrom;
    final int[] lo;
    final int[] hi;
    final int[] byteTarget;
    final int[] epsFrom;
    final int[] epsTarget;
    final int[] callFrom;
    final int[] callee;
    final int[] callReturn;
    /** Fewest bytes from a node to its procedure's exit ({@link #UNREACHABLE} when none). */
    final int[] distanceToExit;

    private ByteGrammar(Builder b, int start) {
        this.start = start;
        this.nodeCount = b.count;
        this.accepting = Arrays.copyOf(b.accepting, b.count);
        int n = b.count;
        byteFrom = new int[n + 1];
        epsFrom = new int[n + 1];
        callFrom = new int[n + 1];
        List<int[]> bytes = new ArrayList<>();
        List<Integer> eps = new ArrayList<>();
        List<int[]> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byteFrom[i] = bytes.size();
            bytes.addAll(b.bytes.get(i));
            epsFrom[i] = eps.size();
            eps.addAll(b.eps.get(i));
            callFrom[i] = calls.size();
            calls.addAll(b.calls.get(i));
        }
        byteFrom[n] = bytes.size();
        epsFrom[n] = eps.size();
        callFrom[n] = calls.size();
        lo = new int[bytes.size()];
        hi = new int[bytes.size()];
        byteTarget = new int[bytes.size()];
        for (int i = 0; i < bytes.size(); i++) {
            lo[i] = bytes.get(i)[0];
            hi[i] = bytes.get(i)[1];
            byteTarget[i] = bytes.get(i)[2];
        }
        epsTarget = eps.stream().mapToInt(Integer::intValue).toArray();
        callee = new int[calls.size()];
        callReturn = new int[calls.size()];
        for (int i = 0; i < calls.size(); i++) {
            callee[i] = calls.get(i)[0];
            callReturn[i] = calls.get(i)[1];
        }
        distanceToExit = distances();
    }

    boolean consumes(int node) {
        return byteFrom[node] < byteFrom[node + 1];
    }

    /** Shortest paths to each procedure's exit; a call costs its callee's shortest document. Bellman-Ford. */
    private int[] distances() {
        int[] d = new int[nodeCount];
        Arrays.fill(d, UNREACHABLE);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int n = 0; n < nodeCount; n++) {
                int best = accepting[n] ? 0 : UNREACHABLE;
                for (int e = byteFrom[n]; e < byteFrom[n + 1]; e++) {
                    best = Math.min(best, 1 + d[byteTarget[e]]);
                }
                for (int e = epsFrom[n]; e < epsFrom[n + 1]; e++) {
                    best = Math.min(best, d[epsTarget[e]]);
                }
                for (int e = callFrom[n]; e < callFrom[n + 1]; e++) {
                    best = Math.min(best, d[callee[e]] + d[callReturn[e]]);
                }
                best = Math.min(best, UNREACHABLE);
                if (best < d[n]) {
                    d[n] = best;
                    changed = true;
                }
            }
        }
        return d;
    }

    /** Mutable graph under construction. */
    static final class Builder {
        private int count;
        private boolean[] accepting = new boolean[64];
        private final List<List<int[]>> bytes = new ArrayList<>();
        private final List<List<Integer>> eps = new ArrayList<>();
        private final List<List<int[]>> calls = new ArrayList<>();

        int node() {
            if (count == accepting.length) {
                accepting = Arrays.copyOf(accepting, count * 2);
            }
            bytes.add(new ArrayList<>(2));
            eps.add(new ArrayList<>(1));
            calls.add(new ArrayList<>(1));
            return count++;
        }

        void accept(int node) {
            accepting[node] = true;
        }

        void bytes(int from, int lo, int hi, int to) {
            bytes.get(from).add(new int[] {lo, hi, to});
        }

        void b(int from, int c, int to) {
            bytes(from, c, c, to);
        }

        void eps(int from, int to) {
            eps.get(from).add(to);
        }

        void call(int from, int procedure, int returnTo) {
            calls.get(from).add(new int[] {procedure, returnTo});
        }

        /** A chain of nodes spelling {@code text} from {@code from}; returns the node after the last byte. */
        int literal(int from, byte[] text) {
            int at = from;
            for (byte x : text) {
                int next = node();
                b(at, x & 0xff, next);
                at = next;
            }
            return at;
        }

        ByteGrammar build(int start) {
            return new ByteGrammar(this, start);
        }
    }
}
