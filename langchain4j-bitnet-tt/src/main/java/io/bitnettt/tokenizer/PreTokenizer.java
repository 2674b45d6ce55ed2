package io.bitnettt.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a text section into the pieces BPE works on independently (words, digit groups,
 * whitespace runs). The byte-level mapping itself is done by {@link BpeModel}.
 */
final class PreTokenizer {
    private final List<SplitPattern> steps;

    PreTokenizer(List<SplitPattern> steps) {
        this.steps = List.copyOf(steps);
    }

    List<SplitPattern> steps() {
        return steps;
    }

    List<String> split(String text) {
        List<String> pieces = new ArrayList<>();
        pieces.add(text);
        for (SplitPattern step : steps) {
            List<String> next = new ArrayList<>(pieces.size() * 2);
            for (String piece : pieces) {
                step.split(piece, next);
            }
            pieces = next;
        }
        return pieces;
    }
}
