package io.bitnettt.generate.json;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A {@link ByteGrammar} run as a deterministic automaton over bytes, built lazily: a state is the set
 * of grammar positions (node plus return stack, both interned) the bytes so far can be in, so equal
 * situations are one state and everything learned about it is kept: its 256 successors as they are
 * first needed and its {@link TokenMask}, computed by one pass over the {@link TokenTrie}. Once the
 * states a generation visits are known, a step is an array lookup and a mask allocates nothing.
 *
 * <p>Positions from which no finite document can be finished are dropped, so every live state
 * can still reach the end of a document, and its distance (fewest bytes to get there) is finite.
 *
 * <p>Not thread-safe: used under the engine's request lock (or by one benchmark thread).
 */
public final class JsonAutomaton {
    /** The state of a byte sequence that no document starts with. */
    static final int DEAD = 0;
    private static final int UNKNOWN = -1;
    /** Past this many states the automaton starts afresh before the next request (memory bound). */
    static final int STATE_LIMIT = 1 << 14;

    private final ByteGrammar grammar;
    private final TokenTrie trie;
    private final int endToken;
    private final float[] saved;
    private final int[] stateAt;
    private final int[] collected;
    private final boolean[] marked;

    // Return stacks, interned: 0 is the empty stack.
    private int[] stackTop;
    private int[] stackParent;
    private int[] stackDistance;
    private int stackCount;
    private Map<Long, Integer> stackIds;

    // States: 0 is DEAD.
    private long[][] configs;
    private boolean[] complete;
    private int[] distance;
    private int[][] transitions;
    private TokenMask[] masks;
    /** Per state: 0 not yet known, 1 every plain byte leads back to it (string content), 2 not. */
    private byte[] plainLoop;
    private int stateCount;
    private Map<StateKey, Integer> stateIds;
    private int start;
    private TokenMask textOrJson;

    JsonAutomaton(ByteGrammar grammar, TokenTrie trie, int endToken, MaskScratch scratch) {
        if (endToken < 0 || endToken >= trie.logitsSize() || trie.bytes(endToken) != null) {
            throw new IllegalArgumentException("the end token " + endToken
                    + " must lie inside the logits [0, " + trie.logitsSize() + ") and outside the token trie");
        }
        this.grammar = grammar;
        this.trie = trie;
        this.endToken = endToken;
        this.saved = scratch.saved;
        this.stateAt = scratch.stateAt;
        this.collected = scratch.collected;
        this.marked = scratch.marked;
        reset();
    }

    private void reset() {
        stackTop = new int[64];
        stackParent = new int[64];
        stackDistance = new int[64];
        stackCount = 1;
        stackIds = new HashMap<>();
        configs = new long[64][];
        complete = new boolean[64];
        distance = new int[64];
        transitions = new int[64][];
        masks = new TokenMask[64];
        plainLoop = new byte[64];
        stateIds = new HashMap<>();
        stateCount = 1;
        configs[DEAD] = new long[0];
        distance[DEAD] = ByteGrammar.UNREACHABLE;
        transitions[DEAD] = new int[256]; // all DEAD
        masks[DEAD] = null;
        textOrJson = null;
        start = closure(new long[] {pack(grammar.start, 0)}, 1);
    }

    /** The state before any byte; starts afresh first when the cache has grown past its bound. */
    int start() {
        if (stateCount > STATE_LIMIT) {
            reset();
        }
        return start;
    }

    int endToken() {
        return endToken;
    }

    TokenTrie trie() {
        return trie;
    }

    /** States discovered so far (DEAD included). */
    public int stateCount() {
        return stateCount;
    }

    /** Drops every cached mask (benchmarks measure their computation this way); states stay. */
    public void forgetMasks() {
        Arrays.fill(masks, null);
        textOrJson = null;
    }

    /** Whether the bytes so far form a whole document. */
    boolean isComplete(int state) {
        return complete[state];
    }

    /** Fewest bytes that finish a document from {@code state}. */
    int distance(int state) {
        return distance[state];
    }

    /** The state after byte {@code b} ({@link #DEAD} when no document continues so). */
    int step(int state, int b) {
        int[] row = transitions[state];
        int next = row[b];
        if (next == UNKNOWN) {
            next = computeStep(state, b);
            transitions[state][b] = next;
        }
        return next;
    }

    /** The state after all of {@code bytes}, or DEAD. */
    int walk(int state, byte[] bytes) {
        for (int i = 0; i < bytes.length && state != DEAD; i++) {
            state = step(state, bytes[i] & 0xff);
        }
        return state;
    }

    TokenMask mask(int state) {
        TokenMask m = masks[state];
        if (m == null) {
            m = computeMask(state);
            masks[state] = m;
        }
        return m;
    }

    /** Masks {@code logits} for {@code state}: the cached mask, then the budget when it is short. */
    void apply(int state, float[] logits, int remaining) {
        TokenMask m = mask(state);
        m.apply(logits, endToken, saved);
        // After this token, `remaining - 1` tokens are left, one of them for the end token; every
        // byte has a token of its own, so a distance in bytes is an upper bound in tokens.
        int bound = remaining - 2;
        if (bound < m.maxDistanceAfter) {
            if (bound < m.minDistanceAfter && !m.endAllowed) {
                bound = m.minDistanceAfter; // too late to finish in time: come as close as possible
            }
            finishWithin(state, logits, bound);
        }
    }

    /**
     * The mask for a first token that either starts a document or begins plain text: a token whose
     * first byte could start the document must start it; any other token (specials too) is text.
     */
    TokenMask textOrJsonMask() {
        if (textOrJson != null) {
            return textOrJson;
        }
        int count = 0;
        int s0 = start;
        int i = 1;
        while (i < trie.nodeCount) {
            int depth = trie.depth[i];
            int parent = depth == 1 ? s0 : stateAt[depth - 1];
            int s = step(parent, trie.label[i] & 0xff);
            if (s == DEAD) {
                if (depth > 1) {
                    // Began like the document, then left it: not allowed as text either.
                    for (int k = trie.tokenFrom[i]; k < trie.tokenFrom[trie.subtreeEnd[i]]; k++) {
                        collected[count++] = trie.tokenIds[k];
                    }
                }
                i = trie.subtreeEnd[i];
                continue;
            }
            stateAt[depth] = s;
            i++;
        }
        textOrJson = new TokenMask(false, sortedCopy(count), true, trie.logitsSize() - count, 0, 0);
        return textOrJson;
    }

    /** Forbids every allowed token after which more than {@code bound} bytes are needed to finish. */
    private void finishWithin(int state, float[] logits, int bound) {
        stateAt[0] = state;
        int i = 1;
        while (i < trie.nodeCount) {
            int s = step(stateAt[trie.depth[i] - 1], trie.label[i] & 0xff);
            if (s == DEAD) {
                i = trie.subtreeEnd[i];
                continue;
            }
            stateAt[trie.depth[i]] = s;
            if (distance[s] > bound) {
                for (int k = trie.tokenFrom[i]; k < trie.tokenFrom[i + 1]; k++) {
                    logits[trie.tokenIds[k]] = Float.NEGATIVE_INFINITY;
                }
            }
            i++;
        }
    }

    /** Whether every plain byte ({@link TokenTrie#isPlain}) leads from {@code state} back to itself. */
    private boolean loopsOnPlainBytes(int state) {
        if (plainLoop[state] == 0) {
            boolean loops = true;
            for (int b = 0x20; b < 0x7f && loops; b++) {
                loops = !TokenTrie.isPlain(b) || step(state, b) == state;
            }
            plainLoop[state] = (byte) (loops ? 1 : 2);
        }
        return plainLoop[state] == 1;
    }

    private TokenMask computeMask(int state) {
        int count = 0;
        int min = ByteGrammar.UNREACHABLE;
        int max = 0;
        // The hot loop of a first visit: fields in locals, the successor table re-read only when it grows.
        byte[] label = trie.label;
        int[] depth = trie.depth;
        int[] subtreeEnd = trie.subtreeEnd;
        int[] tokenFrom = trie.tokenFrom;
        int[] tokenIds = trie.tokenIds;
        boolean[] plain = trie.plainSubtree;
        int[] at = stateAt;
        int[] found = collected;
        int nodes = trie.nodeCount;
        int[][] table = transitions;
        at[0] = state;
        int i = 1;
        while (i < nodes) {
            int d = depth[i];
            int parent = at[d - 1];
            int b = label[i] & 0xff;
            int s = table[parent][b];
            if (s == UNKNOWN) {
                s = step(parent, b);
                table = transitions;
            }
            if (s == DEAD) {
                i = subtreeEnd[i];
                continue;
            }
            if (s == parent && plain[i] && loopsOnPlainBytes(s)) {
                table = transitions; // the check may have discovered states
                // Inside a string: the whole subtree stays in this state, its tokens are one range.
                int from = tokenFrom[i];
                int to = tokenFrom[subtreeEnd[i]];
                System.arraycopy(tokenIds, from, found, count, to - from);
                count += to - from;
                min = Math.min(min, distance[s]);
                max = Math.max(max, distance[s]);
                i = subtreeEnd[i];
                continue;
            }
            at[d] = s;
            int from = tokenFrom[i];
            int to = tokenFrom[i + 1];
            if (from < to) {
                int dist = distance[s];
                min = Math.min(min, dist);
                max = Math.max(max, dist);
                for (int k = from; k < to; k++) {
                    found[count++] = tokenIds[k];
                }
            }
            i++;
        }
        boolean end = complete[state];
        if (count == 0 && !end) {
            throw new IllegalStateException("no token continues the document here (is every single byte a token?)");
        }
        int size = trie.logitsSize();
        if (count <= size / 2) {
            return new TokenMask(true, sortedCopy(count), end, count, min, max);
        }
        for (int k = 0; k < count; k++) {
            marked[collected[k]] = true;
        }
        int forbidden = 0;
        for (int id = 0; id < size; id++) {
            if (marked[id]) {
                marked[id] = false;
            } else {
                collected[forbidden++] = id;
            }
        }
        return new TokenMask(false, Arrays.copyOf(collected, forbidden), end, count, min, max);
    }

    private int[] sortedCopy(int count) {
        int[] ids = Arrays.copyOf(collected, count);
        Arrays.sort(ids); // ascending ids write the logits in memory order
        return ids;
    }

    // ---- lazy construction ----

    private static long pack(int node, int stack) {
        return ((long) stack << 32) | (node & 0xffffffffL);
    }

    private int push(int returnNode, int parent) {
        long key = pack(returnNode, parent);
        Integer id = stackIds.get(key);
        if (id != null) {
            return id;
        }
        if (stackCount == stackTop.length) {
            int n = stackCount * 2;
            stackTop = Arrays.copyOf(stackTop, n);
            stackParent = Arrays.copyOf(stackParent, n);
            stackDistance = Arrays.copyOf(stackDistance, n);
        }
        int s = stackCount++;
        stackTop[s] = returnNode;
        stackParent[s] = parent;
        stackDistance[s] = (int) Math.min(ByteGrammar.UNREACHABLE,
                (long) grammar.distanceToExit[returnNode] + stackDistance[parent]);
        stackIds.put(key, s);
        return s;
    }

    private int computeStep(int state, int b) {
        long[] from = configs[state];
        long[] seeds = new long[from.length * 2];
        int n = 0;
        for (long c : from) {
            int node = (int) c;
            int stack = (int) (c >>> 32);
            for (int e = grammar.byteFrom[node]; e < grammar.byteFrom[node + 1]; e++) {
                if (grammar.lo[e] <= b && b <= grammar.hi[e]) {
                    if (n == seeds.length) {
                        seeds = Arrays.copyOf(seeds, n * 2);
                    }
                    seeds[n++] = pack(grammar.byteTarget[e], stack);
                }
            }
        }
        return n == 0 ? DEAD : closure(seeds, n);
    }

    /** The state of all positions reachable from the seeds without reading a byte. */
    private int closure(long[] seeds, int n) {
        ArrayDeque<Long> work = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            work.push(seeds[i]);
        }
        Set<Long> seen = new HashSet<>();
        long[] consuming = new long[8];
        int count = 0;
        boolean done = false;
        int best = ByteGrammar.UNREACHABLE;
        while (!work.isEmpty()) {
            long c = work.pop();
            if (!seen.add(c)) {
                continue;
            }
            int node = (int) c;
            int stack = (int) (c >>> 32);
            long d = (long) grammar.distanceToExit[node] + stackDistance[stack];
            if (d >= ByteGrammar.UNREACHABLE) {
                continue; // no finite document goes on from here
            }
            if (grammar.consumes(node)) {
                if (count == consuming.length) {
                    consuming = Arrays.copyOf(consuming, count * 2);
                }
                consuming[count++] = c;
                best = (int) Math.min(best, d);
            }
            for (int e = grammar.epsFrom[node]; e < grammar.epsFrom[node + 1]; e++) {
                work.push(pack(grammar.epsTarget[e], stack));
            }
            for (int e = grammar.callFrom[node]; e < grammar.callFrom[node + 1]; e++) {
                work.push(pack(grammar.callee[e], push(grammar.callReturn[e], stack)));
            }
            if (grammar.accepting[node]) {
                if (stack == 0) {
                    done = true;
                } else {
                    work.push(pack(stackTop[stack], stackParent[stack]));
                }
            }
        }
        if (count == 0 && !done) {
            return DEAD;
        }
        long[] set = Arrays.copyOf(consuming, count);
        Arrays.sort(set);
        StateKey key = new StateKey(set, done);
        Integer known = stateIds.get(key);
        if (known != null) {
            return known;
        }
        if (stateCount == configs.length) {
            int size = stateCount * 2;
            configs = Arrays.copyOf(configs, size);
            complete = Arrays.copyOf(complete, size);
            distance = Arrays.copyOf(distance, size);
            transitions = Arrays.copyOf(transitions, size);
            masks = Arrays.copyOf(masks, size);
            plainLoop = Arrays.copyOf(plainLoop, size);
        }
        int id = stateCount++;
        configs[id] = set;
        complete[id] = done;
        distance[id] = done ? 0 : best;
        int[] row = new int[256];
        Arrays.fill(row, UNKNOWN);
        transitions[id] = row;
        stateIds.put(key, id);
        return id;
    }

    private record StateKey(long[] configs, boolean complete) {
        @Override
        public boolean equals(Object o) {
            return o instanceof StateKey k && complete == k.complete && Arrays.equals(configs, k.configs);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(configs) * 31 + (complete ? 1 : 0);
        }
    }
}
