package io.bitnettt.tokenizer;

/**
 * The one exception type of this package: a tokenizer file that cannot be used, input text that is
 * not well-formed UTF-16, a token id outside the vocabulary, or a chat message with an unknown role.
 * The message always names the offending file/field, id or position so callers can surface it as is.
 */
public final class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
