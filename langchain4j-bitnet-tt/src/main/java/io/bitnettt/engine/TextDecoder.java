package io.bitnettt.engine;

/** Turns generated token ids into text as they arrive, holding back incomplete UTF-8 characters. */
public interface TextDecoder {

    /** Text completed by {@code tokenId}, possibly empty. */
    String accept(int tokenId);

    /** Whatever is still held back at the end of generation. */
    String flush();
}
