package io.bitnettt.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * The {@code bitnet} command line. Exit status: 0 done, 1 failed (one line on standard error says
 * why), 2 usage error, 130 stopped by Ctrl-C. Standard output carries only the model's text and the
 * command's result; banners, warnings, statistics and errors go to standard error.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int status = run(args, new Console(System.in, System.out, System.err, SignalInterrupts.install(System.err)));
        System.out.flush();
        System.exit(status);
    }

    /** Runs the command line without Ctrl-C handling (for tests and embedding) and returns the exit status. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return run(args, new Console(in, out, err, Interrupts.NONE));
    }

    static int run(String[] args, Console console) {
        LoggingOptions.reset();
        CommandLine cl = commandLine(console);
        return cl.execute(args);
    }

    static CommandLine commandLine(Console console) {
        CommandLine cl = new CommandLine(new Bitnet(console))
                .addSubcommand(new GenerateCommand(console))
                .addSubcommand(new ChatCommand(console))
                .addSubcommand(new DownloadCommand(console))
                .addSubcommand(new BackendsCommand(console))
                .addSubcommand(new TtEstimateCommand(console))
                .addSubcommand(new CommandLine.HelpCommand());
        cl.setOut(new PrintWriter(console.out(), true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(console.err(), true, StandardCharsets.UTF_8));
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cl.setParameterExceptionHandler((e, args) -> usageError(e, console.err()));
        cl.setExecutionExceptionHandler((e, command, parsed) -> failure(e, command, console.err()));
        return cl;
    }

    private static int usageError(ParameterException e, PrintStream err) {
        CommandLine command = e.getCommandLine();
        String name = command.getCommandSpec().qualifiedName();
        boolean top = command.getParent() == null;
        if (top && e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().getFirst().startsWith("-")) {
            err.println("bitnet: unknown command '" + u.getUnmatched().getFirst() + "'; commands: "
                    + String.join(", ", command.getSubcommands().keySet()));
        } else {
            err.println(name + ": " + e.getMessage());
        }
        err.println("Run '" + name + " --help' for " + (top ? "the commands" : "its options") + ".");
        return 2;
    }

    private static int failure(Exception e, CommandLine command, PrintStream err) {
        if (SignalInterrupts.isExiting()) {
            // Ctrl-C is ending the process and the shutdown hook closed the device under this command.
            return SignalInterrupts.EXIT_STATUS;
        }
        String message = e.getMessage() != null ? e.getMessage() : e.toString();
        err.println(command.getCommandSpec().qualifiedName() + ": " + message);
        return 1;
    }

    /** {@code bitnet} with no command: the commands and the backends. */
    @Command(name = "bitnet", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "Run BitNet b1.58 ternary language models on the CPU or a Tenstorrent card.",
            footer = {"", "Run 'bitnet COMMAND --help' for a command's options."})
    static final class Bitnet implements Callable<Integer> {
        private final Console console;

        @Spec
        CommandSpec spec;

        Bitnet(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            spec.commandLine().usage(console.out(), CommandLine.Help.Ansi.OFF);
            console.out().println();
            BackendsCommand.print(console.out());
            return 0;
        }
    }

    /** The version Maven wrote into the jar's manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"bitnet " + (v != null ? v : "(development build)")};
        }
    }
}
