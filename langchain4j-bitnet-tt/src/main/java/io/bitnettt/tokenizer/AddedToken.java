package io.bitnettt.tokenizer;

/**
 * An entry of tokenizer.json's added_tokens: text matched verbatim in the input before
 * pre-tokenization. Special tokens (BOS, eot, reserved) are only matched when the caller allows it.
 *
 * @param lstrip swallow whitespace just before a match
 * @param rstrip swallow whitespace just after a match
 * @param singleWord only match when not inside a word
 */
public record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean singleWord) {
}
