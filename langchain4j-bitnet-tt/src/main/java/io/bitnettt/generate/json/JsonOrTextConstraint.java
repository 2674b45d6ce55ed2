package io.bitnettt.generate.json;

import io.bitnettt.generate.TokenConstraint;

/**
 * Either a JSON document (a tool call) or free text, decided by the first token: a first token that
 * begins with a byte the document could begin with (for a tool call, {@code {}) must begin the
 * document, and the rest is then constrained by the {@link JsonConstraint}; any other first token
 * (letters, spaces, the end-of-turn token) makes the answer plain, unconstrained text.
 */
public final class JsonOrTextConstraint implements TokenConstraint {
    private enum Mode { UNDECIDED, JSON, TEXT }

    private final JsonAutomaton automaton;
    private final JsonConstraint json;
    private Mode mode = Mode.UNDECIDED;

    JsonOrTextConstraint(JsonAutomaton automaton) {
        this.automaton = automaton;
        this.json = new JsonConstraint(automaton);
    }

    @Override
    public boolean active() {
        return switch (mode) {
            case UNDECIDED -> true;
            case JSON -> json.active();
            case TEXT -> false;
        };
    }

    @Override
    public void mask(float[] logits, int remaining) {
        switch (mode) {
            case UNDECIDED -> {
                automaton.start();
                automaton.textOrJsonMask().apply(logits, automaton.endToken(), null);
            }
            case JSON -> json.mask(logits, remaining);
            case TEXT -> {
            }
        }
    }

    @Override
    public void accept(int token) {
        switch (mode) {
            case UNDECIDED -> {
                byte[] bytes = automaton.trie().bytes(token);
                boolean startsDocument = bytes != null
                        && automaton.step(automaton.start(), bytes[0] & 0xff) != JsonAutomaton.DEAD;
                mode = startsDocument ? Mode.JSON : Mode.TEXT;
                if (startsDocument) {
                    json.accept(token);
                }
            }
            case JSON -> json.accept(token);
            case TEXT -> {
            }
        }
    }

    /** Whether the first token started a JSON document. */
    public boolean choseJson() {
        return mode == Mode.JSON;
    }

    /** Whether the answer is a whole JSON document. */
    public boolean completeJson() {
        return mode == Mode.JSON && json.complete();
    }
}
