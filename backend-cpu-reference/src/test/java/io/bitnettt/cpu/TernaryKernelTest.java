package io.bitnettt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.bitnettt.cpu.kernel.LookupLayout;

class TernaryKernelTest {
    @Test
    void namedKernelsAreChosenAndAutoFollowsTheVectorWidth() {
        assertEquals(TernaryKernel.LOOKUP, TernaryKernel.choose("lookup"));
        assertEquals(TernaryKernel.MULTIPLY, TernaryKernel.choose(" Multiply "));
        assertEquals(LookupLayout.SUPPORTED ? TernaryKernel.LOOKUP : TernaryKernel.MULTIPLY,
                TernaryKernel.choose("auto"));
    }

    @Test
    void unknownValueNamesThePropertyAndTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TernaryKernel.choose("avx"));
        assertTrue(e.getMessage().contains("bitnet.cpu.ternaryKernel") && e.getMessage().contains("'avx'")
                && e.getMessage().contains("multiply"), e.getMessage());
    }
}
