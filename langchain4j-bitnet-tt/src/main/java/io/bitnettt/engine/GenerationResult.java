package io.bitnettt.engine;

import io.bitnettt.generate.FinishReason;
import io.bitnettt.generate.GenerationStats;

/**
 * The outcome of one request.
 *
 * @param text   the text shown to the user (stop strings and end tokens excluded)
 * @param tokens the generated token ids, including a final end token if one ended generation
 */
public record GenerationResult(String text, int[] tokens, FinishReason finishReason, GenerationStats stats) {
}
