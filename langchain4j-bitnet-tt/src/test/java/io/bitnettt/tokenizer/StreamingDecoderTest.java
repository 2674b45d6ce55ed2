package io.bitnettt.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
    private final BpeTokenizer tok = Llama3Tokenizer.get();

    @Test
    void holdsBackSplitCharactersUntilComplete() {
        // Byte tokens: each id stands for exactly one UTF-8 byte of 😀 (F0 9F 98 80).
        byte[] utf8 = "😀!".getBytes(StandardCharsets.UTF_8);
        StreamingDecoder d = tok.streamingDecoder();
        for (int i = 0; i < 4; i++) {
            assertEquals(i < 3 ? "" : "😀", d.push(byteTokenId(utf8[i])), "after byte " + i);
        }
        assertEquals("!", d.push(byteTokenId(utf8[4])));
        assertEquals("", d.flush());
    }

    @Test
    void flushReleasesAnUnfinishedCharacterAsReplacement() {
        StreamingDecoder d = tok.streamingDecoder();
        assertEquals("", d.push(byteTokenId((byte) 0xE4)));
        assertEquals("\uFFFD", d.flush());
        assertEquals("", d.flush());
    }

    @Test
    void invalidBytesAreNotHeldBack() {
        StreamingDecoder d = tok.streamingDecoder();
        assertEquals("\uFFFD", d.push(byteTokenId((byte) 0x80)));
        // 0xED 0xA0 would start a surrogate, which UTF-8 forbids: nothing can complete it.
        assertEquals("", d.push(byteTokenId((byte) 0xED)));
        String out = d.push(byteTokenId((byte) 0xA0)) + d.flush();
        assertEquals(tok.decode(new int[] {byteTokenId((byte) 0xED), byteTokenId((byte) 0xA0)}), out);
    }

    @Test
    void skipsSpecialTokensWhenAsked() {
        int[] ids = tok.encodeWithBos("Hi<|eot_id|>", true);
        StreamingDecoder d = tok.streamingDecoder(true);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(d.push(id));
        }
        assertEquals("Hi", sb.append(d.flush()).toString());
    }

    @Test
    void completePrefixRules() {
        assertEquals(0, StreamingDecoder.completePrefixLength(new byte[] {(byte) 0xF0, (byte) 0x9F}));
        assertEquals(1, StreamingDecoder.completePrefixLength(new byte[] {'a', (byte) 0xE2}));
        assertEquals(3, StreamingDecoder.completePrefixLength(new byte[] {(byte) 0xE2, (byte) 0x82, (byte) 0xAC}));
        // Overlong lead C0 can never be completed, so it is released.
        assertEquals(1, StreamingDecoder.completePrefixLength(new byte[] {(byte) 0xC0}));
        // F0 80 would be an overlong encoding: also released.
        assertEquals(2, StreamingDecoder.completePrefixLength(new byte[] {(byte) 0xF0, (byte) 0x80}));
    }

    private int byteTokenId(byte b) {
        return tok.tokenId(String.valueOf(ByteLevelAlphabet.charOf(b & 0xFF))).getAsInt();
    }
}
