package io.bitnettt.model;

/**
 * How a stored {@code weight_scale} turns integer dot products into outputs (spec §2.1, §3.3).
 * The checkpoint loader normalizes every scale to {@link #MULTIPLY} semantics, so the engine only
 * needs this to explain where a scale came from.
 */
public enum ScaleRule {
    /** {@code y = acc / s_x * weight_scale}: {@code autobitlinear}, offline or online quantization (2B-4T). */
    MULTIPLY,
    /** {@code y = acc / (s_x * weight_scale)}: the legacy {@code bitlinear} class stores the reciprocal. */
    DIVIDE
}
