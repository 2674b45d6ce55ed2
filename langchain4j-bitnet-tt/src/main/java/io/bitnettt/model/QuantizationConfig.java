package io.bitnettt.model;

/**
 * The {@code quantization_config} object of config.json. Any field may be absent (null), as in the
 * several uploads of the 2B-4T model (spec §1).
 *
 * @param quantMethod         {@code quant_method}, "bitnet" when present
 * @param linearClass         {@code linear_class}: "autobitlinear" or the legacy "bitlinear"
 * @param quantizationMode    {@code quantization_mode}: "offline" (packed weights) or "online" (bf16 master weights)
 * @param offlineQuantization {@code offline_quantization} of the April 2025 upload
 */
public record QuantizationConfig(String quantMethod, String linearClass, String quantizationMode,
                                 Boolean offlineQuantization) {

    /** What the current packed 2B-4T repo declares. */
    public static final QuantizationConfig PACKED =
            new QuantizationConfig("bitnet", "autobitlinear", "offline", null);
    /** What the -bf16 master-weight repo declares. */
    public static final QuantizationConfig MASTER =
            new QuantizationConfig("bitnet", "autobitlinear", "online", null);

    /**
     * Only the legacy {@code bitlinear} class divides; everything else, including a config with no
     * linear class at all, multiplies (spec §3.3 "safe engine rule").
     */
    public ScaleRule scaleRule() {
        return "bitlinear".equals(linearClass) ? ScaleRule.DIVIDE : ScaleRule.MULTIPLY;
    }

    /** True when the config says projections are stored as master weights to quantize at load. */
    public boolean online() {
        return "online".equals(quantizationMode);
    }
}
