package io.bitnettt.spi;

import java.util.Arrays;

/**
 * Argument checks shared by backends, so every backend reports a bad call the same way: the
 * backend, the operation, the argument and both the shape it had and the shape it needed.
 */
public final class OpChecks {
    private final String backend;

    public OpChecks(String backend) {
        this.backend = backend;
    }

    public BackendException fail(String op, String message) {
        return new BackendException(backend, op, message);
    }

    public void requireOpen(String op, String name, Tensor t) {
        if (t == null) {
            throw fail(op, name + " is null");
        }
        if (t.isClosed()) {
            throw fail(op, name + " " + t.shape() + " was already deallocated");
        }
    }

    public void requireDType(String op, String name, Tensor t, DType... allowed) {
        requireOpen(op, name, t);
        for (DType d : allowed) {
            if (t.dtype() == d) {
                return;
            }
        }
        throw fail(op, name + " " + t.shape() + " has dtype " + t.dtype() + ", expected "
                + (allowed.length == 1 ? allowed[0] : "one of " + Arrays.toString(allowed)));
    }

    public void requireShape(String op, String name, Tensor t, long... expected) {
        requireOpen(op, name, t);
        if (!t.shape().equals(Shape.of(expected))) {
            throw fail(op, name + " has shape " + t.shape() + ", expected " + Arrays.toString(expected));
        }
    }

    public void requireRank(String op, String name, Tensor t, int rank) {
        requireOpen(op, name, t);
        if (t.shape().rank() != rank) {
            throw fail(op, name + " has shape " + t.shape() + ", expected rank " + rank);
        }
    }

    /** Checks {@code x [T, in]}, {@code w [out, in]}, {@code y [T, out]} for a ternary linear. */
    public void requireLinear(String op, Tensor x, Tensor w, Tensor y) {
        requireDType(op, "x", x, DType.F32);
        requireRank(op, "x", x, 2);
        requireDType(op, "w", w, DType.TERNARY_INT2);
        if (w.shape().dim(1) != x.shape().dim(1)) {
            throw fail(op, "x has shape " + x.shape() + " but w has shape " + w.shape()
                    + ": x's columns must equal w's input size " + w.shape().dim(1));
        }
        requireDType(op, "out", y, DType.F32);
        requireShape(op, "out", y, x.shape().dim(0), w.shape().dim(0));
    }

    /** Checks that {@code heads} divides the columns of {@code x} and returns the head dimension. */
    public int headDim(String op, String name, Tensor x, int heads) {
        if (heads <= 0 || x.shape().dim(1) % heads != 0) {
            throw fail(op, name + " has shape " + x.shape() + ", whose columns are not divisible by heads=" + heads);
        }
        return Math.toIntExact(x.shape().dim(1) / heads);
    }
}
