package io.bitnettt.spi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class OpChecksTest {
    private final HostTestDevice device = new HostTestDevice();
    private final OpChecks checks = new OpChecks("test");

    @AfterEach
    void close() {
        device.close();
    }

    private Tensor f32(long... dims) {
        return device.allocate(TensorSpec.f32(dims));
    }

    @Test
    void shapeMismatchNamesOperationArgumentAndBothShapes() {
        Tensor out = f32(4, 10);
        BackendException e = assertThrows(BackendException.class,
                () -> checks.requireShape("rmsNorm", "out", out, 4, 8));
        assertEquals("[test] rmsNorm: out has shape [4, 10], expected [4, 8]", e.getMessage());
        assertEquals("rmsNorm", e.operation());
        assertEquals("test", e.backend());
    }

    @Test
    void dtypeMismatchNamesOperationAndTypes() {
        Tensor ids = device.allocate(TensorSpec.of(DType.F32, 3));
        BackendException e = assertThrows(BackendException.class,
                () -> checks.requireDType("embedding", "ids", ids, DType.UINT32));
        assertEquals("[test] embedding: ids [3] has dtype F32, expected UINT32", e.getMessage());
    }

    @Test
    void deallocatedTensorIsRejectedByName() {
        Tensor x = f32(2, 2);
        x.close();
        BackendException e = assertThrows(BackendException.class, () -> checks.requireOpen("add", "a", x));
        assertEquals("[test] add: a [2, 2] was already deallocated", e.getMessage());
    }

    @Test
    void headDimensionMustDivide() {
        Tensor q = f32(1, 100);
        assertEquals(25, checks.headDim("rotaryDecode", "x", q, 4));
        BackendException e = assertThrows(BackendException.class, () -> checks.headDim("rotaryDecode", "x", q, 3));
        assertTrue(e.getMessage().contains("[1, 100]") && e.getMessage().contains("heads=3"), e.getMessage());
    }

    @Test
    void tensorSpecRejectsBlockFloatOutsideTilesAndBadTernaryShapes() {
        IllegalArgumentException bfp = assertThrows(IllegalArgumentException.class,
                () -> new TensorSpec(Shape.of(32, 32), DType.BFP8_B, Layout.ROW_MAJOR, MemoryPlacement.DEVICE_DRAM));
        assertEquals("BFP8_B exists only in TILE layout, was ROW_MAJOR", bfp.getMessage());
        IllegalArgumentException ternary = assertThrows(IllegalArgumentException.class,
                () -> TensorSpec.of(DType.TERNARY_INT2, 6, 8));
        assertTrue(ternary.getMessage().contains("[6, 8]"), ternary.getMessage());
    }

    @Test
    void hostBytesFollowTheHostRepresentation() {
        assertEquals(2L * 3 * 4, TensorSpec.of(DType.BF16, 3, 4).hostBytes());
        // HF packing: 8 rows × 16 columns of ternary = 2 packed rows of 16 bytes.
        assertEquals(32L, TensorSpec.of(DType.TERNARY_INT2, 8, 16).hostBytes());
        assertEquals(4L * 32 * 32, new TensorSpec(Shape.of(32, 32), DType.BFP4_B, Layout.TILE,
                MemoryPlacement.DEVICE_L1).hostBytes());
    }

    @Test
    void shapeRejectsNonPositiveAndOverflowingDimensions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shape.of(3, 0));
        assertEquals("shape [3, 0]: dimension 1 must be positive, was 0", e.getMessage());
        assertThrows(ArithmeticException.class, () -> Shape.of(1L << 40, 1L << 40));
    }
}
