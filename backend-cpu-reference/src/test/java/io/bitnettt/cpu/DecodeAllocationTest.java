package io.bitnettt.cpu;

import static io.bitnettt.cpu.Host.f32;
import static io.bitnettt.cpu.Host.gaussian;
import static io.bitnettt.cpu.Host.randomTernary;
import static io.bitnettt.cpu.Host.ternary;
import static io.bitnettt.cpu.Host.u32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;

import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.spi.TransformerOps;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ops a decode step calls allocate nothing on the Java heap once warm: one layer's worth of
 * them (norms, fused QKV, rotary, cache updates, attention, the projections, gating, residuals),
 * then embedding, logits, argmax and top-k, at small shapes. Counted on the calling thread, which
 * on a one-thread device runs every part itself and on a two-thread device posts the parts.
 *
 * <p>The pom runs this class alone in its own JVM, once per ternary kernel family: in a JVM where
 * other tests call the same kernels on heap segments, C2 compiles them with that mixed profile and
 * boxed vectors for a while (up to 40 KB a step here), which production, passing only native
 * segments, does not do.
 *
 * <p>Until C2 has compiled the kernels, Vector API code runs boxed, so the count starts after a
 * fixed number of warm steps. That JVM compiles synchronously ({@code -Xbatch}, checked here): a
 * step that triggers a compilation waits for it, so the kernels reach their final code after the
 * same number of steps on every run however busy the machine, and the check does not wait on a
 * clock. With either family the last allocation of a fresh JVM came in steps 1600 to 1800 (and a
 * second device's first 200 steps); {@link #WARM_STEPS} is twice that.
 */
class DecodeAllocationTest {
    private static final int HIDDEN = 256;
    private static final int HEADS = 4;
    private static final int KV_HEADS = 2;
    private static final int DIM = HIDDEN / HEADS;
    private static final int FFN = 512;
    private static final int VOCAB = 1000;
    /** Past two of the attention kernel's 128-row blocks, so decode merges block partials. */
    private static final int CONTEXT = 300;
    private static final int WARM_STEPS = 4000;
    /** Windows of 200 steps counted after the warm steps; every one must allocate nothing. */
    private static final int WINDOWS = 5;

    @ParameterizedTest(name = "threads {0}, {1} KV cache")
    @CsvSource({"1, F32", "2, F32", "1, BF16", "2, BF16", "1, INT8_ROWS", "2, INT8_ROWS"})
    void warmDecodeStepAllocatesNothing(int threads, String kvCache) {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
                && bean.isThreadAllocatedMemorySupported(), "this JVM does not count allocated bytes per thread");
        SynchronousCompilation.require();
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (CpuDevice device = CpuDevice.open(DeviceOptions.defaults().withThreads(threads))) {
            Step step = new Step(device, new Random(5), kvCache);
            for (int i = 0; i < WARM_STEPS; i++) {
                step.run(i % CONTEXT);
            }
            long[] windows = new long[WINDOWS];
            for (int w = 0; w < WINDOWS; w++) {
                long before = bean.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 200; i++) {
                    step.run(i % CONTEXT);
                }
                windows[w] = bean.getCurrentThreadAllocatedBytes() - before;
            }
            assertArrayEquals(new long[WINDOWS], windows, "bytes allocated by each window of 200 decode steps on "
                    + threads + " thread(s) with a " + kvCache + " KV cache after " + WARM_STEPS + " warm ones");
        }
    }

    private static Tensor cache(CpuDevice d, String dtype, float[] data) {
        return switch (dtype) {
            case "BF16" -> Host.bf16(d, data, CONTEXT, KV_HEADS * DIM);
            case "INT8_ROWS" -> Host.int8Rows(d, data, CONTEXT, KV_HEADS, DIM);
            default -> f32(d, data, CONTEXT, KV_HEADS * DIM);
        };
    }

    /** Tensors of one layer and the head, and the op calls of one decode step over them. */
    private static final class Step {
        final TransformerOps ops;
        final Tensor x, norm, normed, wq, wk, wv, q, k, v, cos, sin, kCache, vCache, attn, wo, o;
        final Tensor wGate, wUp, gate, up, act, wDown, down, table, ids, logits, best, topValues, topIndices;
        final Tensor[] positions = new Tensor[CONTEXT];

        Step(CpuDevice d, Random r, String kvCache) {
            ops = d.ops();
            x = f32(d, gaussian(r, HIDDEN, 1f), 1, HIDDEN);
            norm = f32(d, gaussian(r, HIDDEN, 1f), HIDDEN);
            normed = d.allocate(TensorSpec.f32(1, HIDDEN));
            wq = ternary(d, randomTernary(r, HIDDEN * HIDDEN), HIDDEN, HIDDEN, 0.02f);
            wk = ternary(d, randomTernary(r, KV_HEADS * DIM * HIDDEN), KV_HEADS * DIM, HIDDEN, 0.02f);
            wv = ternary(d, randomTernary(r, KV_HEADS * DIM * HIDDEN), KV_HEADS * DIM, HIDDEN, 0.02f);
            q = d.allocate(TensorSpec.f32(1, HIDDEN));
            k = d.allocate(TensorSpec.f32(1, KV_HEADS * DIM));
            v = d.allocate(TensorSpec.f32(1, KV_HEADS * DIM));
            float[] c = new float[CONTEXT * DIM];
            float[] s = new float[CONTEXT * DIM];
            for (int i = 0; i < c.length; i++) {
                c[i] = (float) Math.cos(i * 0.01);
                s[i] = (float) Math.sin(i * 0.01);
            }
            cos = f32(d, c, CONTEXT, DIM);
            sin = f32(d, s, CONTEXT, DIM);
            kCache = cache(d, kvCache, gaussian(r, CONTEXT * KV_HEADS * DIM, 1f));
            vCache = cache(d, kvCache, gaussian(r, CONTEXT * KV_HEADS * DIM, 1f));
            attn = d.allocate(TensorSpec.f32(1, HIDDEN));
            wo = ternary(d, randomTernary(r, HIDDEN * HIDDEN), HIDDEN, HIDDEN, 0.02f);
            o = d.allocate(TensorSpec.f32(1, HIDDEN));
            wGate = ternary(d, randomTernary(r, FFN * HIDDEN), FFN, HIDDEN, 0.02f);
            wUp = ternary(d, randomTernary(r, FFN * HIDDEN), FFN, HIDDEN, 0.02f);
            gate = d.allocate(TensorSpec.f32(1, FFN));
            up = d.allocate(TensorSpec.f32(1, FFN));
            act = d.allocate(TensorSpec.f32(1, FFN));
            wDown = ternary(d, randomTernary(r, HIDDEN * FFN), HIDDEN, FFN, 0.02f);
            down = d.allocate(TensorSpec.f32(1, HIDDEN));
            table = f32(d, gaussian(r, VOCAB * HIDDEN, 1f), VOCAB, HIDDEN);
            ids = u32(d, 17);
            logits = d.allocate(TensorSpec.f32(1, VOCAB));
            best = d.allocate(TensorSpec.of(io.bitnettt.spi.DType.UINT32, 1));
            topValues = d.allocate(TensorSpec.f32(8));
            topIndices = d.allocate(TensorSpec.of(io.bitnettt.spi.DType.UINT32, 8));
            for (int p = 0; p < CONTEXT; p++) {
                positions[p] = u32(d, p);
            }
        }

        void run(int pos) {
            Tensor position = positions[pos];
            ops.embedding(table, ids, x);
            ops.rmsNorm(x, norm, 1e-5f, normed);
            ops.ternaryLinearQkv(normed, wq, wk, wv, q, k, v);
            ops.rotaryDecode(q, HEADS, cos, sin, position);
            ops.rotaryDecode(k, KV_HEADS, cos, sin, position);
            ops.kvCacheUpdate(kCache, k, position);
            ops.kvCacheUpdate(vCache, v, position);
            ops.attentionDecode(q, kCache, vCache, position, HEADS, KV_HEADS, attn);
            ops.ternaryLinear(attn, wo, o);
            ops.add(x, o, x);
            ops.rmsNorm(x, norm, 1e-5f, normed);
            ops.ternaryLinearGateUp(normed, wGate, wUp, gate, up);
            ops.relu2Gate(gate, up, act);
            ops.ternaryLinear(act, wDown, down);
            ops.add(x, down, x);
            ops.outputProjection(x, table, logits);
            ops.argmax(logits, best);
            ops.topK(logits, 8, topValues, topIndices);
        }
    }
}
