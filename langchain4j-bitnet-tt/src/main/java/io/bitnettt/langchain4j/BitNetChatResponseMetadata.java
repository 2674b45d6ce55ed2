package io.bitnettt.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import io.bitnettt.generate.GenerationStats;

import java.util.Objects;

/**
 * LangChain4j's response metadata plus the engine's statistics of the request: how many prompt
 * tokens came from the KV prefix cache, time to first token and decode speed.
 */
public final class BitNetChatResponseMetadata extends ChatResponseMetadata {
    private final GenerationStats generationStats;

    private BitNetChatResponseMetadata(Builder b) {
        super(b);
        this.generationStats = Objects.requireNonNull(b.generationStats, "generationStats");
    }

    public GenerationStats generationStats() {
        return generationStats;
    }

    @Override
    public Builder toBuilder() {
        return ((Builder) toBuilder(builder())).generationStats(generationStats);
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && generationStats.equals(((BitNetChatResponseMetadata) o).generationStats);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + generationStats.hashCode();
    }

    @Override
    public String toString() {
        return "BitNetChatResponseMetadata{" + super.toString() + ", generationStats=" + generationStats + '}';
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder extends ChatResponseMetadata.Builder<Builder> {
        private GenerationStats generationStats;

        public Builder generationStats(GenerationStats stats) {
            this.generationStats = stats;
            return this;
        }

        @Override
        public BitNetChatResponseMetadata build() {
            return new BitNetChatResponseMetadata(this);
        }
    }
}
