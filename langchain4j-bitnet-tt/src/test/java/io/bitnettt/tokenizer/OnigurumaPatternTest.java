package io.bitnettt.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnigurumaPatternTest {
    @Test
    void rewritesEscapesThatDifferBetweenDialects() {
        assertEquals("[0-9a-fA-F]+[^0-9a-fA-F]\\x0B", OnigurumaPattern.translate("\\h+\\H\\v"));
        assertEquals("[x0-9a-fA-F]", OnigurumaPattern.translate("[x\\h]"));
        assertEquals("\\p{L}\\s\\\\h", OnigurumaPattern.translate("\\p{L}\\s\\\\h"));
    }

    @Test
    void whitespaceIsUnicodeWhiteSpace() {
        var p = OnigurumaPattern.compile("\\s+", "test");
        assertTrue(p.matcher("\u00A0\u2028\u3000\u0085\u1680").matches());
        // Not White_Space in Unicode (and not in Oniguruma): ZWSP and BOM.
        assertTrue(!p.matcher("\u200B").matches() && !p.matcher("\uFEFF").matches());
    }

    @Test
    void splitIsolatedKeepsGapsAndMatches() {
        SplitPattern s = new SplitPattern(OnigurumaPattern.compile("\\d+", "test"), SplitPattern.Behavior.ISOLATED);
        List<String> out = new ArrayList<>();
        s.split("ab12cd3", out);
        assertEquals(List.of("ab", "12", "cd", "3"), out);
    }
}
