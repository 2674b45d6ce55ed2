package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * int8 codes widened to a float vector of the preferred width, one code per lane in memory order.
 * Loading exactly as many bytes as the float vector has lanes leaves one sign-extending widen and
 * one int-to-float convert per vector, with no lane crossing; widening a full-width byte vector by
 * parts costs a lane-crossing extract per part and measured much slower (README, "The screen's
 * widening").
 */
final class ByteWidening {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** F's lane count: the codes one {@link #widen} reads. */
    static final int L = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** L byte lanes, or 8 where L is 4: no byte vector is narrower than 64 bits. */
    private static final VectorSpecies<Byte> CODES = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(64, 8 * L)));
    /** Loads then read only the first L lanes, so none reaches past a segment's end. */
    private static final boolean MASKED = CODES.length() > L;
    private static final VectorMask<Byte> FIRST = CODES.indexInRange(0, L);

    private ByteWidening() {
    }

    /*
     * Both helpers take or return vectors, so they must be inlined or the vectors are boxed: each stays
     * under the 35 bytecodes that C2 inlines at any call site, however cold its profile says it is.
     */

    /** The L codes at {@code off}, widened to float. */
    static FloatVector widen(MemorySegment s, long off) {
        return (FloatVector) load(s, off).convertShape(VectorOperators.B2F, F, 0);
    }

    private static ByteVector load(MemorySegment s, long off) {
        return MASKED ? ByteVector.fromMemorySegment(CODES, s, off, LE, FIRST) : ByteVector.fromMemorySegment(CODES, s, off, LE);
    }
}
