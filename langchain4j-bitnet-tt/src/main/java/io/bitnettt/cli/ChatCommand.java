package io.bitnettt.cli;

import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.GenerationResult;
import io.bitnettt.generate.FinishReason;
import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.tokenizer.ChatMessage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bitnet chat}: an interactive conversation read line by line. Each turn resends the whole
 * conversation; the KV cache already holds all but the newest message, so only that is computed.
 * Ctrl-C stops the answer being written and returns to the prompt; Ctrl-C at the prompt, or a
 * second one before the answer has stopped, ends the chat with status 130.
 */
@Command(name = "chat", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Chat with the model on standard input (no --model: the built-in demo model).",
                "Type /reset to start over, /exit or end the input to quit. Ctrl-C stops an answer; "
                        + "at the prompt it quits."})
final class ChatCommand implements Callable<Integer> {
    private final Console console;

    @Option(names = "--system", paramLabel = "TEXT", description = "system prompt")
    String system;

    @Mixin
    ModelOptions model;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--stats", description = "print token counts, time to first token and decode speed after each answer")
    boolean stats;

    @Mixin
    LoggingOptions logging;

    ChatCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        SamplingParameters params = sampling.parameters();
        PrintStream out = console.out();
        try (BitNetModel m = model.load(console)) {
            m.requireChat();
            ConsoleLines input = new ConsoleLines(console.in());
            AnswerInterrupts interrupts = new AnswerInterrupts(input);
            try (Interrupts.Registration ctrlC = console.interrupts().handle(interrupts::onInterrupt)) {
                return converse(m, params, input, interrupts, out);
            }
        }
    }

    private int converse(BitNetModel m, SamplingParameters params, ConsoleLines input, AnswerInterrupts interrupts,
                         PrintStream out) {
        List<ChatMessage> conversation = new ArrayList<>();
        if (system != null) {
            conversation.add(ChatMessage.system(system));
        }
        int initial = conversation.size();
        while (true) {
            out.print("> ");
            out.flush();
            String line = input.next();
            if (line == ConsoleLines.INTERRUPTED || interrupts.leaveRequested()) {
                out.println();
                return SignalInterrupts.EXIT_STATUS;
            }
            if (line == null || line.strip().equals("/exit")) {
                return 0;
            }
            if (line.strip().equals("/reset")) {
                conversation.subList(initial, conversation.size()).clear();
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            conversation.add(ChatMessage.user(line));
            if (m.countTokens(conversation) >= m.contextLength()) {
                conversation.removeLast();
                console.err().println("bitnet: the conversation no longer fits the context of " + m.contextLength()
                        + " tokens; type /reset to start over");
                continue;
            }
            interrupts.startAnswer();
            GenerationResult r;
            try {
                r = m.chat(conversation, params, piece -> {
                    out.print(piece);
                    out.flush();
                }, interrupts::stopRequested);
            } finally {
                interrupts.endAnswer();
            }
            out.println();
            // A stopped answer stays in the conversation as far as it was shown, as in llama.cpp.
            conversation.add(ChatMessage.assistant(r.text()));
            if (stats) {
                GenerateCommand.printStats(console.err(), m, r);
            }
            if (r.finishReason() == FinishReason.CANCELLED && interrupts.leaveRequested()) {
                return SignalInterrupts.EXIT_STATUS;
            }
        }
    }
}
