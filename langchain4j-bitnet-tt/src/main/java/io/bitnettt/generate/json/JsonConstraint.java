package io.bitnettt.generate.json;

import io.bitnettt.generate.TokenConstraint;

/**
 * One request's position in a {@link JsonAutomaton}: only tokens that continue a valid document are
 * allowed, and the end-of-turn token once the document is whole (and then nothing else when the
 * document cannot go on, e.g. after its closing brace). When the token budget runs short, only
 * tokens after which the document can still be finished in time stay allowed.
 */
public final class JsonConstraint implements TokenConstraint {
    private final JsonAutomaton automaton;
    private int state = -1;
    private boolean ended;

    JsonConstraint(JsonAutomaton automaton) {
        this.automaton = automaton;
    }

    private int state() {
        if (state < 0) {
            state = automaton.start(); // here, not in the constructor: the caller may not hold the engine yet
        }
        return state;
    }

    @Override
    public boolean active() {
        return !ended;
    }

    @Override
    public void mask(float[] logits, int remaining) {
        if (logits.length != automaton.trie().logitsSize()) {
            throw new IllegalArgumentException("logits have " + logits.length + " entries, the automaton expects "
                    + automaton.trie().logitsSize());
        }
        automaton.apply(state(), logits, remaining);
    }

    @Override
    public void accept(int token) {
        if (ended) {
            return;
        }
        int s = state();
        if (token == automaton.endToken()) {
            if (!automaton.isComplete(s)) {
                throw new IllegalStateException("the end token came before the JSON document was complete");
            }
            ended = true;
            return;
        }
        byte[] bytes = automaton.trie().bytes(token);
        int next = bytes == null ? JsonAutomaton.DEAD : automaton.walk(s, bytes);
        if (next == JsonAutomaton.DEAD) {
            throw new IllegalStateException("token " + token + " cannot continue the JSON document; it was masked");
        }
        state = next;
    }

    /** Whether the tokens so far form a whole document. */
    public boolean complete() {
        return automaton.isComplete(state());
    }

    /** Whether the end token has been accepted. */
    public boolean ended() {
        return ended;
    }
}
