package io.bitnettt.tokenizer;

import java.util.List;

/**
 * BitNet b1.58's chat format, equivalent to its Hugging Face Jinja template: per message
 * {@code Role: } + content.strip() + {@code <|eot_id|>}, then {@code Assistant: } as the generation
 * prompt. BOS is not part of the text; {@link #encode} adds it once.
 *
 * <p>{@link #encode} does not tokenize the rendered string with special tokens enabled. It encodes
 * each "Role: content" run as plain text and inserts the eot id itself. The ids equal the reference
 * encoding of the rendered string for all ordinary content (added tokens split text into sections in
 * the reference too), but a message that contains the text "&lt;|eot_id|&gt;" cannot end its turn early.
 */
public final class ChatTemplate {
    private static final String GENERATION_PROMPT = "Assistant: ";
    private static final String EOT = SpecialTokenConfig.LLAMA3_EOT;

    private final BpeTokenizer tokenizer;

    /**
     * A template over {@code tokenizer}. A vocabulary without {@code <|eot_id|>} (a base model, or
     * the tiny test models) is accepted here, so that raw completion works; only rendering a chat
     * fails, saying so.
     */
    public ChatTemplate(BpeTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Whether the vocabulary has the end-of-turn token the template needs. */
    public boolean supported() {
        return tokenizer.eotId() >= 0;
    }

    /** Fails, saying why, when the vocabulary lacks the end-of-turn token (see {@link #supported}). */
    public void requireEot() {
        if (!supported()) {
            throw new TokenizerException("the tokenizer has no " + EOT + " token, which the BitNet chat template needs"
                    + " to end each turn; this model can only continue raw text (bitnet generate, BitNetModel.complete)");
        }
    }

    /** The prompt text, e.g. {@code System: Be brief.<|eot_id|>User: Hi<|eot_id|>Assistant: }. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        requireEot();
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            sb.append(header(m)).append(PythonStrings.strip(m.content())).append(EOT);
        }
        if (addGenerationPrompt) {
            sb.append(GENERATION_PROMPT);
        }
        return sb.toString();
    }

    /** BOS plus the ids of {@link #render}; what the model is fed. */
    public int[] encode(List<ChatMessage> messages, boolean addGenerationPrompt) {
        requireEot();
        BpeModel.IntList out = new BpeModel.IntList();
        out.add(tokenizer.bosId());
        for (ChatMessage m : messages) {
            tokenizer.encodeInto(header(m) + PythonStrings.strip(m.content()), false, out);
            out.add(tokenizer.eotId());
        }
        if (addGenerationPrompt) {
            tokenizer.encodeInto(GENERATION_PROMPT, false, out);
        }
        return out.toArray();
    }

    /** Prompt length in tokens, BOS and generation prompt included. */
    public int countTokens(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return encode(messages, addGenerationPrompt).length;
    }

    /** Jinja's {@code role | capitalize}, restricted to the roles the model was trained on. */
    private static String header(ChatMessage m) {
        return switch (m.role()) {
            case "system" -> "System: ";
            case "user" -> "User: ";
            case "assistant" -> "Assistant: ";
            default -> throw new TokenizerException("unsupported chat role '" + m.role()
                    + "'; expected one of system, user, assistant");
        };
    }
}
