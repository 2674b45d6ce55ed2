package io.bitnettt.cli;

import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.ProbeResult;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** The {@code bitnet} command line: dispatches to one command per verb. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs the command line and returns the process exit status (0 ok, 1 failure, 2 usage error). */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        String verb = args.length == 0 ? "help" : args[0];
        List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
        try {
            return switch (verb) {
                case "generate" -> GenerateCommand.run(rest, out, err);
                case "chat" -> ChatCommand.run(rest, in, out, err);
                case "download" -> DownloadCommand.run(rest, out, err);
                case "tt-estimate" -> TtEstimateCommand.run(rest, out);
                case "backends" -> {
                    printBackends(out);
                    yield 0;
                }
                case "help", "--help", "-h" -> {
                    printUsage(out);
                    out.println();
                    printBackends(out);
                    yield 0;
                }
                default -> throw new CliArgs.UsageException("unknown command '" + verb + "'");
            };
        } catch (CliArgs.UsageException e) {
            err.println("bitnet: " + e.getMessage());
            err.println(usageOf(verb));
            return 2;
        } catch (Exception e) {
            err.println("bitnet " + verb + ": " + e.getMessage());
            return 1;
        }
    }

    private static String usageOf(String verb) {
        return switch (verb) {
            case "generate" -> GenerateCommand.USAGE;
            case "chat" -> ChatCommand.USAGE;
            case "download" -> DownloadCommand.USAGE;
            case "tt-estimate" -> TtEstimateCommand.USAGE;
            default -> USAGE;
        };
    }

    static final String USAGE = """
            usage: bitnet <command> [options]

            commands:
              generate [options] "prompt"   complete a prompt (no --model: the built-in demo model)
              chat [options]                interactive multi-turn chat on standard input
              download [REPO] [--dir DIR]   fetch a model from the Hugging Face hub
              backends                      list the compute backends found and why each is or is not usable
              tt-estimate [--context N]     estimated decode tokens/s per Tenstorrent card, from the
                                            emulator's counts of the decode step (2B-4T shapes)
              help                          this text

            each command prints its options on a usage error, e.g. 'bitnet generate' with no prompt""";

    static void printUsage(PrintStream out) {
        out.println(USAGE);
    }

    static void printBackends(PrintStream out) {
        List<ProbeResult> results = BackendSelector.fromServiceLoader().probeAll();
        out.println("backends (highest priority first; 'auto' picks the first available):");
        for (ProbeResult r : results) {
            out.printf("  %-12s priority %3d  %-11s %s%n", r.name(), r.provider().priority(),
                    r.available() ? "available" : "unavailable", r.availability().reason());
        }
        if (results.isEmpty()) {
            out.println("  (none registered on the class path)");
        }
    }
}
