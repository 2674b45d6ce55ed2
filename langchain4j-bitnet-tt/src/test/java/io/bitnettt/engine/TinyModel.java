package io.bitnettt.engine;

import java.util.SplittableRandom;

/**
 * Seeded random weights for a tiny BitNet, held as plain Java arrays: the input of both the engine
 * (after packing and upload) and the independent scalar reference forward pass.
 */
final class TinyModel {
    final ModelDims dims;
    final float[][] embedding;   // [vocab][hidden], values already rounded to bf16
    final float[] finalNorm;
    final Layer[] layers;

    static final class Layer {
        float[] inputNorm, attnSubNorm, postNorm, ffnSubNorm;
        byte[][] q, k, v, o, gate, up, down; // ternary [out][in]
        float qs, ks, vs, os, gs, us, ds;    // weight scales
    }

    TinyModel(ModelDims d, long seed) {
        this.dims = d;
        SplittableRandom r = new SplittableRandom(seed);
        embedding = new float[d.vocabSize()][d.hidden()];
        for (float[] row : embedding) {
            for (int i = 0; i < row.length; i++) {
                row[i] = bf16Round((float) (r.nextGaussian() * 0.5));
            }
        }
        finalNorm = norm(r, d.hidden());
        layers = new Layer[d.layers()];
        for (int l = 0; l < d.layers(); l++) {
            Layer L = new Layer();
            L.inputNorm = norm(r, d.hidden());
            L.attnSubNorm = norm(r, d.hidden());
            L.postNorm = norm(r, d.hidden());
            L.ffnSubNorm = norm(r, d.intermediate());
            L.q = ternary(r, d.heads() * d.headDim(), d.hidden());
            L.k = ternary(r, d.kvDim(), d.hidden());
            L.v = ternary(r, d.kvDim(), d.hidden());
            L.o = ternary(r, d.hidden(), d.heads() * d.headDim());
            L.gate = ternary(r, d.intermediate(), d.hidden());
            L.up = ternary(r, d.intermediate(), d.hidden());
            L.down = ternary(r, d.hidden(), d.intermediate());
            L.qs = scale(r, d.hidden());
            L.ks = scale(r, d.hidden());
            L.vs = scale(r, d.hidden());
            L.os = scale(r, d.hidden());
            L.gs = scale(r, d.hidden());
            L.us = scale(r, d.hidden());
            L.ds = scale(r, d.intermediate());
            layers[l] = L;
        }
    }

    private static float[] norm(SplittableRandom r, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = bf16Round((float) (1 + 0.2 * r.nextGaussian()));
        }
        return w;
    }

    private static byte[][] ternary(SplittableRandom r, int out, int in) {
        byte[][] w = new byte[out][in];
        for (byte[] row : w) {
            for (int i = 0; i < in; i++) {
                row[i] = (byte) (r.nextInt(3) - 1);
            }
        }
        return w;
    }

    private static float scale(SplittableRandom r, int in) {
        return bf16Round((float) ((1 + r.nextDouble()) / Math.sqrt(in)));
    }

    static float bf16Round(float f) {
        int bits = Float.floatToRawIntBits(f);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    static short bf16Bits(float exactBf16) {
        return (short) (Float.floatToRawIntBits(exactBf16) >>> 16);
    }

    /** HF packing (spec §3.2): bits 2i..2i+1 of byte [r, c] hold row i·out/4 + r as value + 1. */
    static byte[] packHf(byte[][] w) {
        int out = w.length, in = w[0].length, p = out / 4;
        byte[] packed = new byte[p * in];
        for (int row = 0; row < out; row++) {
            int i = row / p, r = row % p;
            for (int c = 0; c < in; c++) {
                packed[r * in + c] |= (byte) ((w[row][c] + 1) << (2 * i));
            }
        }
        return packed;
    }
}
