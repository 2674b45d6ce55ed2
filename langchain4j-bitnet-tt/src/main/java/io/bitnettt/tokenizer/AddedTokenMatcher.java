package io.bitnettt.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts text into plain sections and added-token matches. At each position the longest added token
 * wins (leftmost-longest, as the reference's Aho-Corasick search does), so "<|eot_id|>" is never read
 * as a shorter token that happens to be its prefix.
 */
final class AddedTokenMatcher {
    /** One cut: either plain text [start, end) or a matched token. */
    record Segment(int start, int end, AddedToken token) {
    }

    private static final class Node {
        final Map<Character, Node> children = new HashMap<>(4);
        AddedToken token;
    }

    private final Node root = new Node();
    private final boolean empty;

    AddedTokenMatcher(List<AddedToken> tokens) {
        for (AddedToken t : tokens) {
            if (t.content().isEmpty()) {
                continue;
            }
            Node n = root;
            for (int i = 0; i < t.content().length(); i++) {
                n = n.children.computeIfAbsent(t.content().charAt(i), c -> new Node());
            }
            n.token = t;
        }
        empty = root.children.isEmpty();
    }

    void split(String text, List<Segment> out) {
        if (empty) {
            out.add(new Segment(0, text.length(), null));
            return;
        }
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken best = null;
            int bestEnd = -1;
            Node n = root;
            for (int j = i; j < text.length(); j++) {
                n = n.children.get(text.charAt(j));
                if (n == null) {
                    break;
                }
                if (n.token != null && (!n.token.singleWord() || isWordBoundary(text, i, j + 1))) {
                    best = n.token;
                    bestEnd = j + 1;
                }
            }
            if (best == null) {
                i++;
                continue;
            }
            int start = i;
            int end = bestEnd;
            if (best.lstrip()) {
                while (start > plainStart && Character.isWhitespace(text.charAt(start - 1))) {
                    start--;
                }
            }
            if (best.rstrip()) {
                while (end < text.length() && Character.isWhitespace(text.charAt(end))) {
                    end++;
                }
            }
            if (start > plainStart) {
                out.add(new Segment(plainStart, start, null));
            }
            out.add(new Segment(start, end, best));
            plainStart = end;
            i = end;
        }
        if (plainStart < text.length()) {
            out.add(new Segment(plainStart, text.length(), null));
        }
    }

    private static boolean isWordBoundary(String text, int start, int end) {
        boolean before = start > 0 && isWordChar(text.codePointBefore(start));
        boolean after = end < text.length() && isWordChar(text.codePointAt(end));
        return !before && !after;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }
}
