/**
 * Model configuration ({@code config.json}) and {@link io.bitnettt.model.CheckpointException}, the
 * one exception type for every problem with a model folder.
 */
package io.bitnettt.model;
