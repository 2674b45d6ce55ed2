package io.bitnettt.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The Llama 3 / BitNet b1.58 tokenizer: byte-level BPE as described by a Hugging Face tokenizer.json.
 * Immutable after loading and safe to share between threads.
 *
 * <p>Encoding: added tokens are cut out first (special ones only when the caller allows it, so user
 * text containing "&lt;|eot_id|&gt;" cannot forge an end of turn), each remaining section is split by the
 * pre-tokenizer regex read from tokenizer.json, and each piece is BPE-encoded over its UTF-8 bytes.
 *
 * <p>All failures are {@link TokenizerException}.
 */
public final class BpeTokenizer {
    private final Map<String, Integer> vocab;
    private final List<AddedToken> addedTokens;
    private final AddedTokenMatcher allTokens;
    private final AddedTokenMatcher nonSpecialTokens;
    private final BpeModel bpe;
    private final PreTokenizer preTokenizer;
    private final SpecialTokenConfig specials;
    /** Bytes each id decodes to; null for ids that are holes in the vocabulary. */
    private final byte[][] idBytes;
    private final boolean[] idSpecial;

    BpeTokenizer(Map<String, Integer> vocab, List<AddedToken> added, BpeModel bpe, PreTokenizer preTokenizer,
            SpecialTokenConfig specials) {
        this.vocab = vocab;
        this.addedTokens = List.copyOf(added);
        this.bpe = bpe;
        this.preTokenizer = preTokenizer;
        this.specials = specials;
        this.allTokens = new AddedTokenMatcher(added);
        this.nonSpecialTokens = new AddedTokenMatcher(added.stream().filter(t -> !t.special()).toList());
        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        for (AddedToken t : added) {
            size = Math.max(size, t.id() + 1);
        }
        idBytes = new byte[size][];
        idSpecial = new boolean[size];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            idBytes[e.getValue()] = ByteLevelAlphabet.decode(e.getKey());
        }
        // Added tokens decode to their literal text, not through the byte-level alphabet.
        for (AddedToken t : added) {
            idBytes[t.id()] = t.content().getBytes(StandardCharsets.UTF_8);
            idSpecial[t.id()] = t.special();
        }
    }

    /** Loads tokenizer.json, plus tokenizer_config.json when it sits next to it. */
    public static BpeTokenizer load(Path tokenizerJson) {
        Path sibling = tokenizerJson.resolveSibling("tokenizer_config.json");
        return load(tokenizerJson, Files.isRegularFile(sibling) ? sibling : null);
    }

    /** @param tokenizerConfig tokenizer_config.json, or null to assume the Llama 3 special tokens */
    public static BpeTokenizer load(Path tokenizerJson, Path tokenizerConfig) {
        return TokenizerJsonLoader.load(tokenizerJson, tokenizerConfig, TokenizerJsonLoader.DEFAULT_CACHE_CAPACITY);
    }

    /** The tokenizer a GGUF file describes in its {@code tokenizer.ggml.*} keys. */
    public static BpeTokenizer fromGgml(GgmlVocabulary vocabulary) {
        return GgmlTokenizerLoader.load(vocabulary, TokenizerJsonLoader.DEFAULT_CACHE_CAPACITY);
    }

    /**
     * Token ids of {@code text}, without BOS.
     *
     * @param allowSpecial whether special-token strings in the text become their special ids (for
     *     prompt templates); when false they are tokenized as ordinary text (for user content)
     * @throws TokenizerException when the text has an unpaired UTF-16 surrogate
     */
    public int[] encode(String text, boolean allowSpecial) {
        BpeModel.IntList out = new BpeModel.IntList();
        encodeInto(text, allowSpecial, out);
        return out.toArray();
    }

    /**
     * BOS followed by {@link #encode}. BOS is not added a second time when the text itself already
     * starts with it (allowSpecial and a literal "&lt;|begin_of_text|&gt;"): the model was never trained on
     * a doubled BOS.
     */
    public int[] encodeWithBos(String text, boolean allowSpecial) {
        BpeModel.IntList out = new BpeModel.IntList();
        out.add(specials.bosId());
        encodeInto(text, allowSpecial, out);
        int[] ids = out.toArray();
        if (ids.length > 1 && ids[1] == specials.bosId()) {
            return java.util.Arrays.copyOfRange(ids, 1, ids.length);
        }
        return ids;
    }

    /** Number of tokens in plain text (no BOS, special strings counted as text). */
    public int countTokens(String text) {
        return encode(text, false).length;
    }

    void encodeInto(String text, boolean allowSpecial, BpeModel.IntList out) {
        Utf16.requireWellFormed(text);
        List<AddedTokenMatcher.Segment> segments = new ArrayList<>();
        (allowSpecial ? allTokens : nonSpecialTokens).split(text, segments);
        for (AddedTokenMatcher.Segment s : segments) {
            if (s.token() != null) {
                out.add(s.token().id());
                continue;
            }
            for (String piece : preTokenizer.split(text.substring(s.start(), s.end()))) {
                bpe.encodePiece(piece, out);
            }
        }
    }

    /** Text of the ids, special tokens included as their literal text. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * Text of the ids. Byte sequences that are not valid UTF-8 (possible for arbitrary id lists) become
     * U+FFFD, as in the reference.
     *
     * @throws TokenizerException for an id outside the vocabulary
     */
    public String decode(int[] ids, boolean skipSpecial) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            if (skipSpecial && isSpecial(id)) {
                continue;
            }
            bytes.writeBytes(tokenBytes(id));
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** A fresh decoder for streaming generated ids one at a time. */
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this, false);
    }

    /** @param skipSpecial drop special tokens (eot, BOS, ...) from the streamed text */
    public StreamingDecoder streamingDecoder(boolean skipSpecial) {
        return new StreamingDecoder(this, skipSpecial);
    }

    /** The raw bytes a token stands for; a prefix of a multi-byte character is possible. */
    public byte[] tokenBytes(int id) {
        byte[] b = id >= 0 && id < idBytes.length ? idBytes[id] : null;
        if (b == null) {
            throw new TokenizerException("token id " + id + " is not in the vocabulary: valid ids are 0.." + (idBytes.length - 1)
                    + " (vocab size " + idBytes.length + ")" + (id >= 0 && id < idBytes.length ? "; this id is unassigned" : ""));
        }
        return b.clone();
    }

    /** Id of a vocabulary entry (byte-level spelling, e.g. "ĠHello") or added token text. */
    public OptionalInt tokenId(String token) {
        for (AddedToken t : addedTokens) {
            if (t.content().equals(token)) {
                return OptionalInt.of(t.id());
            }
        }
        Integer id = vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    public boolean isSpecial(int id) {
        return id >= 0 && id < idSpecial.length && idSpecial[id];
    }

    /** One past the largest id: 128256 for Llama 3. */
    public int vocabSize() {
        return idBytes.length;
    }

    public int bosId() {
        return specials.bosId();
    }

    public int eosId() {
        return specials.eosId();
    }

    /** Id of "&lt;|eot_id|&gt;", or -1 when the vocabulary has none. */
    public int eotId() {
        return specials.eotId();
    }

    /** Whether the model expects BOS in front of every prompt (tokenizer_config add_bos_token, default true). */
    public boolean addBos() {
        return specials.addBos();
    }

    /** Whether tokenizer_config.json carried a chat_template (this package renders BitNet's own). */
    public boolean hasChatTemplate() {
        return specials.hasChatTemplate();
    }

    /** Generation stops on any of these: end-of-turn (when present) and EOS. */
    public int[] stopTokenIds() {
        return specials.eotId() >= 0 && specials.eotId() != specials.eosId()
                ? new int[] {specials.eotId(), specials.eosId()}
                : new int[] {specials.eosId()};
    }

    public boolean isStopToken(int id) {
        return id == specials.eosId() || (id == specials.eotId() && id >= 0);
    }

    public List<AddedToken> addedTokens() {
        return addedTokens;
    }

    /** The Java regexes the pre-tokenizer applies, in order (for diagnostics). */
    public List<String> preTokenizerRegexes() {
        return preTokenizer.steps().stream().map(SplitPattern::regex).toList();
    }
}
