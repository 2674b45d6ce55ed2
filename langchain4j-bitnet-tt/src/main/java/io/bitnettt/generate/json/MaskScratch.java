package io.bitnettt.generate.json;

/**
 * Vocabulary-sized work arrays for computing and applying masks, shared by all automata of one
 * {@link JsonDecoding}: only one generation runs on a model at a time.
 */
final class MaskScratch {
    final float[] saved;
    final int[] stateAt;
    final int[] collected;
    final boolean[] marked;

    MaskScratch(TokenTrie trie) {
        saved = new float[trie.logitsSize() / 2 + 1];
        stateAt = new int[trie.maxDepth + 1];
        collected = new int[trie.logitsSize()];
        marked = new boolean[trie.logitsSize()];
    }
}
