package io.bitnettt.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import dev.langchain4j.store.embedding.CosineSimilarity;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.bitnettt.langchain4j.DemoChat.promptTokens;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Retrieval-augmented generation end to end: all-MiniLM-L6-v2 (ONNX, offline) embeds three
 * documents into an in-memory store, a content retriever picks one for the question, and the demo
 * model answers the augmented prompt. Its random weights answer gibberish, so the test checks what
 * can be checked independently: the retrieved document is the most similar one by cosine
 * similarity, and it reached our model's prompt, token for token.
 */
class RagPipelineTest {
    static final List<String> DOCUMENTS = List.of(
            "BitNet stores every weight as minus one, zero or plus one.",
            "Paris is the capital of France and lies on the Seine.",
            "A sourdough bread needs flour, water, salt and a starter.");
    static final String QUESTION = "How are the weights of BitNet stored?";
    static final String EXPECTED = DOCUMENTS.getFirst();

    interface Assistant {
        Result<String> answer(String question);
    }

    static EmbeddingModel embeddings;
    static InMemoryEmbeddingStore<TextSegment> store;
    static BitNetChatModel model;

    @BeforeAll
    static void setUp() {
        // Loading the ONNX model takes seconds: once per class.
        embeddings = new AllMiniLmL6V2EmbeddingModel();
        store = new InMemoryEmbeddingStore<>();
        List<TextSegment> segments = DOCUMENTS.stream().map(TextSegment::from).toList();
        store.addAll(embeddings.embedAll(segments).content(), segments);
        model = DemoChat.greedy().maxOutputTokens(6).build();
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    @Test
    void theRetrieverPicksTheDocumentMostSimilarToTheQuestion() {
        Embedding question = embeddings.embed(QUESTION).content();
        double best = -2;
        String mostSimilar = null;
        for (String d : DOCUMENTS) {
            double s = CosineSimilarity.between(question, embeddings.embed(d).content());
            if (s > best) {
                best = s;
                mostSimilar = d;
            }
        }
        assertEquals(EXPECTED, mostSimilar, "the documents must be told apart by similarity");

        ContentRetriever retriever = EmbeddingStoreContentRetriever.builder()
                .embeddingStore(store).embeddingModel(embeddings).maxResults(1).build();
        List<Content> found = retriever.retrieve(Query.from(QUESTION));
        assertEquals(1, found.size());
        assertEquals(EXPECTED, found.getFirst().textSegment().text());
    }

    @Test
    void theRetrievedDocumentReachesOurModelsPrompt() {
        RecordingListener listener = new RecordingListener();
        try (BitNetChatModel listened = BitNetChatModel.builder().model(model.engine()).modelName("bitnet-demo")
                .temperature(0.0).maxOutputTokens(6).listener(listener).build()) {
            Assistant assistant = AiServices.builder(Assistant.class)
                    .chatModel(listened)
                    .contentRetriever(EmbeddingStoreContentRetriever.builder()
                            .embeddingStore(store).embeddingModel(embeddings).maxResults(1).build())
                    .build();

            Result<String> result = assistant.answer(QUESTION);

            assertEquals(List.of(EXPECTED), result.sources().stream().map(c -> c.textSegment().text()).toList());
            // LangChain4j's DefaultContentInjector template, written out.
            String augmented = QUESTION + "\n\nAnswer using the following information:\n" + EXPECTED;
            assertEquals(1, listener.requests.size());
            assertEquals(List.of(UserMessage.from(augmented)), listener.requests.getFirst().chatRequest().messages());
            ChatResponse response = listener.responses.getFirst().chatResponse();
            assertEquals(promptTokens(model.engine().tokenizer(), "User: " + augmented + "<|eot_id|>Assistant: "),
                    response.tokenUsage().inputTokenCount());
            assertEquals(response.aiMessage().text(), result.content());
            assertEquals(response.tokenUsage(), result.tokenUsage());
        }
    }
}
