package io.bitnettt.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Strings chosen to exercise every branch of the Llama 3 split regex, the byte alphabet and BPE. */
final class TokenizerCorpus {
    private TokenizerCorpus() {
    }

    static List<String> all() {
        List<String> c = new ArrayList<>(handWritten());
        c.addAll(random(300, 7));
        return c;
    }

    static List<String> handWritten() {
        List<String> c = new ArrayList<>();
        // Prose and the transformers pin.
        c.add("User: How are you?<|eot_id|>Assistant: ");
        c.add("The quick brown fox jumps over the lazy dog. It's 5 o'clock somewhere, isn't it?");
        c.add("Hello World");
        c.add("");
        c.add(" ");
        c.add("a");
        // Contractions in every case; the regex's (?i:...) group must fold them.
        c.add("I'm you're we've they'll she'd it's can't DON'T I'LL HE'S YOU'RE WE'VE I'M SHE'D Can'T");
        c.add("'s 't 're 've 'm 'll 'd 'S 'T 'RE 'VE 'M 'LL 'D 'Sam 'Dave 'LLama x'ſam");
        c.add("rock 'n' roll, ''quoted'', '''triple'''");
        // Numbers and digit runs (\p{N}{1,3} groups).
        c.add("1 12 123 1234 12345 123456 1234567 3.14159 -42 1,000,000 0x1F 1e-10 2026-11-25");
        c.add("٠١٢٣٤٥٦٧٨٩ ०१२३४५ ½ ⅓ Ⅻ ①②③ ²³");
        c.add("99999999999999999999999999999999999");
        // Whitespace and newline runs, tabs, CRLF.
        c.add("a  b   c    d\t\te\t \tf");
        c.add("line1\nline2\n\nline3\n\n\n\nline4\r\nline5\r\n\r\n");
        c.add("   leading and trailing   ");
        c.add("\n\n\n");
        c.add("\t");
        c.add("word \n  next\t\n\tend  \n");
        c.add("x \r\n\r\n  y");
        // Unicode whitespace: NBSP, NEL, ogham, en quad..hair, line/para separators, NNBSP, ideographic,
        // and non-whitespace lookalikes (ZWSP, BOM, Mongolian vowel separator).
        c.add("a\u00A0b\u0085c\u1680d\u2000e\u200Af\u2028g\u2029h\u202Fi\u205Fj\u3000k");
        c.add("a\u200Bb\uFEFFc\u180Ed \u00A0 \u3000\u3000x");
        c.add("\u000B\u000C\u001C\u001D\u001E\u001F mixed controls\u0000\u0001\u007F");
        // Code.
        c.add("public static void main(String[] args) {\n    System.out.println(\"hi\");\n}\n");
        c.add("def f(x):\n\treturn x**2 + 3*x - 1  # comment\n\nif __name__ == '__main__':\n    print(f(2))\n");
        c.add("{\"key\": [1, 2, 3], \"nested\": {\"a\": null, \"b\": true}}");
        c.add("<div class=\"x\">&amp; &lt;tag&gt;</div> <a href='https://example.com/?q=1&r=2#frag'>link</a>");
        c.add("$ grep -rn 'TODO' src/ | wc -l && echo \"done\" >> /tmp/log.txt 2>&1");
        c.add("!!! ??? ... --- *** ### @@@ ~~~ ``` ;;; ::: ((( ))) [[[ ]]] {{{ }}}");
        // Accents, precomposed and combining.
        c.add("café naïve résumé Zürich São Paulo Øresund Łódź İstanbul ß ẞ");
        c.add("cafe\u0301 n\u0303 a\u0308\u0304");
        // CJK, Korean, Japanese.
        c.add("我爱自然语言处理。今天天气很好！");
        c.add("日本語のテキストとカタカナ、ひらがな。");
        c.add("한국어 텍스트입니다.");
        // Emoji and other 4-byte characters.
        c.add("Emoji: 😀😃😄 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇩🇪🇯🇵 ❤️");
        c.add("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕄𝕒𝕥𝕙 𝟘𝟙𝟚 𐍈 𠜎𠜱𠝹");
        c.add("😀");
        // Arabic, Hebrew, Hindi, Thai, Cyrillic, Greek.
        c.add("مرحبا بالعالم، كيف حالك؟");
        c.add("שלום עולם");
        c.add("नमस्ते दुनिया, आप कैसे हैं?");
        c.add("สวัสดีชาวโลก");
        c.add("Привет, мир! Ελληνικά κείμενα.");
        // Whole-word vocabulary entries that the merge list alone cannot reach (tokenizer.json's
        // ignore_merges flag makes them single tokens).
        c.add("Tôi làm việc ở Việt Nam, nhiều điều hợp lý ngoài ra. ایران jeho gelişmektedir");
        // Special-token strings inside text.
        c.add("<|eot_id|>");
        c.add("before<|eot_id|>after");
        c.add("<|begin_of_text|>Hi<|end_of_text|>");
        c.add("<|start_header_id|>user<|end_header_id|>\n\nhello<|eot_id|>");
        c.add("<|reserved_special_token_0|><|reserved_special_token_250|><|eot_id|><|eot_id|>");
        c.add("<|eot_id <|eot_id|| <|eot|> |> <| <|>");
        c.add("text <|eot_id|> spaced <|eot_id|>\n");
        // Long words (> 1000 chars) stress the merge loop.
        c.add("a".repeat(1500));
        c.add("supercalifragilisticexpialidocious".repeat(40));
        c.add("ab".repeat(700) + " " + "x".repeat(1001));
        c.add("9".repeat(2000));
        c.add(" ".repeat(1200) + "end");
        c.add("😀".repeat(400));
        c.add("漢字".repeat(600));
        return c;
    }

    /** Random mixes of characters from every class the regex distinguishes. */
    static List<String> random(int count, long seed) {
        String[] pools = {
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " ", "  \t\n\r", "'",
            ".,;:!?-_()[]{}<>\"/\\|@#$%^&*+=~`", "éàüñçøåßİı", "中文字日本語한국", "😀👍🏽🇩🇪𝔘𠜎",
            "\u00A0\u2028\u3000\u0085\u200B\uFEFF", "مرحبا", "नमस्ते", "٣½Ⅻ", "<|eot_id|>", "sStTlLdDmMrReEvV"
        };
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + rnd.nextInt(60);
            for (int j = 0; j < len; j++) {
                String pool = pools[rnd.nextInt(pools.length)];
                if (pool.equals("<|eot_id|>")) {
                    sb.append(pool);
                    continue;
                }
                int[] cps = pool.codePoints().toArray();
                sb.appendCodePoint(cps[rnd.nextInt(cps.length)]);
            }
            out.add(sb.toString());
        }
        return out;
    }
}
