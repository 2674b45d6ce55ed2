package io.bitnettt.generate.json;

import io.bitnettt.tokenizer.BpeTokenizer;
import io.bitnettt.tokenizer.TokenizerException;

import java.util.Arrays;

/**
 * The byte strings of a vocabulary's ordinary tokens as a trie, laid out in preorder so a mask is
 * one forward pass over flat arrays: node i's parent state sits at depth {@code depth[i] - 1}, and
 * a dead node skips to {@code subtreeEnd[i]}. Special tokens are not in it: they never continue a
 * JSON document (the end-of-turn token is handled apart). Built once per tokenizer; immutable.
 */
public final class TokenTrie {
    /** Ids the logits of the model cover; may exceed the tokenizer's ids. */
    final int logitsSize;
    final int nodeCount;
    final int maxDepth;
    /** Per node (index 0 is the root): the byte leading to it, its depth, one past its subtree. */
    final byte[] label;
    final int[] depth;
    final int[] subtreeEnd;
    /** Tokens ending at node i: tokenIds[tokenFrom[i]] until tokenIds[tokenFrom[i + 1]]. */
    final int[] tokenFrom;
    final int[] tokenIds;
    /**
     * Whether node i and everything below it spell only printable ASCII other than {@code "} and
     * {@code \}: inside a JSON string such a subtree leaves the state as it is, so a mask can take
     * all its tokens at once (most of an English vocabulary).
     */
    final boolean[] plainSubtree;
    /** Bytes of every token in the trie, by id (null for specials and holes). */
    final byte[][] bytesOf;
    final int tokenCount;

    private TokenTrie(int logitsSize, byte[][] bytesOf) {
        this.logitsSize = logitsSize;
        this.bytesOf = bytesOf;
        Integer[] order = new Integer[bytesOf.length];
        int count = 0;
        for (int id = 0; id < bytesOf.length; id++) {
            if (bytesOf[id] != null) {
                order[count++] = id;
            }
        }
        Integer[] ids = Arrays.copyOf(order, count);
        Arrays.sort(ids, (a, b) -> {
            int c = Arrays.compareUnsigned(bytesOf[a], bytesOf[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        tokenCount = count;
        // Upper bound on nodes: one per byte of every token, plus the root.
        long total = 1;
        int longest = 0;
        for (Integer id : ids) {
            total += bytesOf[id].length;
            longest = Math.max(longest, bytesOf[id].length);
        }
        byte[] lab = new byte[(int) total];
        int[] dep = new int[(int) total];
        int[] tokenNode = new int[count];
        int[] path = new int[longest + 1]; // path[d] = node at depth d on the current branch
        int nodes = 1;
        byte[] previous = new byte[0];
        for (int k = 0; k < count; k++) {
            byte[] bytes = bytesOf[ids[k]];
            int common = Arrays.mismatch(previous, bytes);
            if (common < 0) {
                common = bytes.length; // a duplicate byte string: same node
            }
            common = Math.min(common, Math.min(previous.length, bytes.length));
            for (int d = common; d < bytes.length; d++) {
                lab[nodes] = bytes[d];
                dep[nodes] = d + 1;
                path[d + 1] = nodes;
                nodes++;
            }
            tokenNode[k] = path[bytes.length];
            previous = bytes;
        }
        nodeCount = nodes;
        maxDepth = longest;
        label = Arrays.copyOf(lab, nodes);
        depth = Arrays.copyOf(dep, nodes);
        subtreeEnd = new int[nodes];
        // In preorder a subtree ends where the next node at the same or a smaller depth starts.
        int[] open = new int[longest + 2];
        int top = 0;
        for (int i = 0; i < nodes; i++) {
            while (top > 0 && depth[open[top - 1]] >= depth[i]) {
                subtreeEnd[open[--top]] = i;
            }
            open[top++] = i;
        }
        while (top > 0) {
            subtreeEnd[open[--top]] = nodes;
        }
        plainSubtree = new boolean[nodes];
        for (int i = nodes - 1; i >= 1; i--) {
            int b = label[i] & 0xff;
            boolean plain = isPlain(b);
            // Children follow their parent in preorder: scan them by jumping from subtree to subtree.
            for (int c = i + 1; plain && c < subtreeEnd[i]; c = subtreeEnd[c]) {
                plain = plainSubtree[c];
            }
            plainSubtree[i] = plain;
        }
        tokenFrom = new int[nodes + 1];
        for (int k = 0; k < count; k++) {
            tokenFrom[tokenNode[k] + 1]++;
        }
        for (int i = 0; i < nodes; i++) {
            tokenFrom[i + 1] += tokenFrom[i];
        }
        tokenIds = new int[count];
        int[] fill = Arrays.copyOf(tokenFrom, nodes);
        for (int k = 0; k < count; k++) {
            tokenIds[fill[tokenNode[k]]++] = ids[k];
        }
    }

    /** A byte that JSON string content may hold as it is: printable ASCII except the quote and backslash. */
    static boolean isPlain(int b) {
        return b >= 0x20 && b < 0x7f && b != '"' && b != '\\';
    }

    /**
     * The trie of {@code tokenizer}'s ordinary tokens for a model whose logits cover
     * {@code logitsSize} ids (at least the tokenizer's), without {@code excluded} (the end token, in
     * case a vocabulary does not mark it special).
     */
    public static TokenTrie of(BpeTokenizer tokenizer, int logitsSize, int... excluded) {
        if (logitsSize < tokenizer.vocabSize()) {
            throw new IllegalArgumentException("the logits cover " + logitsSize + " ids but the tokenizer has "
                    + tokenizer.vocabSize());
        }
        byte[][] bytes = new byte[tokenizer.vocabSize()][];
        for (int id = 0; id < bytes.length; id++) {
            if (tokenizer.isSpecial(id)) {
                continue;
            }
            try {
                byte[] b = tokenizer.tokenBytes(id);
                bytes[id] = b.length == 0 ? null : b;
            } catch (TokenizerException hole) {
                // An unassigned id: never generated.
            }
        }
        for (int id : excluded) {
            if (id >= 0 && id < bytes.length) {
                bytes[id] = null;
            }
        }
        return new TokenTrie(logitsSize, bytes);
    }

    /** A trie over explicit byte strings, id = index; null entries are not tokens. For tests. */
    static TokenTrie of(byte[][] tokens, int logitsSize) {
        return new TokenTrie(logitsSize, tokens.clone());
    }

    /** How many ids the logits cover. */
    public int logitsSize() {
        return logitsSize;
    }

    /** Ordinary tokens in the trie. */
    public int tokenCount() {
        return tokenCount;
    }

    public int nodeCount() {
        return nodeCount;
    }

    /** Bytes of {@code token}, or null when it is special or unassigned; the caller must not modify them. */
    byte[] bytes(int token) {
        return token >= 0 && token < bytesOf.length ? bytesOf[token] : null;
    }
}
