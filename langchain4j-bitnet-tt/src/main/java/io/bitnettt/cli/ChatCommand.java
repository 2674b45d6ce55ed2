package io.bitnettt.cli;

import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.GenerationResult;
import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.tokenizer.ChatMessage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bitnet chat}: an interactive conversation read line by line. Each turn resends the whole
 * conversation; the KV cache already holds all but the newest message, so only that is computed.
 */
final class ChatCommand {
    static final String USAGE = "usage: bitnet chat [options]   (type /exit or end input to quit, /reset to start over)\n"
            + ModelArgs.HELP + "\n  --system TEXT          system prompt";

    private ChatCommand() {
    }

    static int run(List<String> argv, InputStream in, PrintStream out, PrintStream err) throws IOException {
        CliArgs args = new CliArgs(argv, ModelArgs.VALUED, ModelArgs.SWITCHES);
        if (!args.positional().isEmpty()) {
            throw new CliArgs.UsageException("chat takes no prompt argument; type messages on standard input");
        }
        SamplingParameters sampling = ModelArgs.sampling(args);
        String system = args.string("system", null);
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        try (BitNetModel model = ModelArgs.load(args, out)) {
            List<ChatMessage> conversation = new ArrayList<>();
            if (system != null) {
                conversation.add(ChatMessage.system(system));
            }
            int initial = conversation.size();
            while (true) {
                out.print("> ");
                out.flush();
                String line = reader.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    break;
                }
                if (line.strip().equals("/reset")) {
                    conversation.subList(initial, conversation.size()).clear();
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                conversation.add(ChatMessage.user(line));
                if (model.countTokens(conversation) >= model.contextLength()) {
                    conversation.removeLast();
                    err.println("bitnet: the conversation no longer fits the context of " + model.contextLength()
                            + " tokens; type /reset to start over");
                    continue;
                }
                GenerationResult r = model.chat(conversation, sampling, piece -> {
                    out.print(piece);
                    out.flush();
                }, () -> false);
                out.println();
                conversation.add(ChatMessage.assistant(r.text()));
                if (args.has("stats")) {
                    GenerateCommand.printStats(err, model, r);
                }
            }
        }
        return 0;
    }
}
