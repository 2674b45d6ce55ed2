/**
 * The BitNet b1.58 / Llama 3 tokenizer: byte-level BPE loaded from a Hugging Face tokenizer.json.
 *
 * <p>Entry points: {@link io.bitnettt.tokenizer.BpeTokenizer} (encode, decode, special ids),
 * {@link io.bitnettt.tokenizer.StreamingDecoder} (text from ids as they are generated) and
 * {@link io.bitnettt.tokenizer.ChatTemplate} (BitNet's "Role: content&lt;|eot_id|&gt;" prompt format).
 * Every failure is a {@link io.bitnettt.tokenizer.TokenizerException}.
 *
 * <p>Tested id for id against tools/tokenizer-reference (tokenizers.js on the real Llama 3 file).
 */
package io.bitnettt.tokenizer;
