package io.bitnettt.cli;

import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.ProbeResult;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** The {@code bitnet} command line: dispatches to one command per verb. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line and returns the process exit status (0 ok, 2 usage error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String verb = args.length == 0 ? "help" : args[0];
        List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
        switch (verb) {
            case "backends" -> {
                printBackends(out);
                return 0;
            }
            case "help", "--help", "-h" -> {
                printUsage(out);
                out.println();
                printBackends(out);
                return 0;
            }
            default -> {
                err.println("bitnet: unknown command '" + verb + "'" + (rest.isEmpty() ? "" : " " + rest));
                printUsage(err);
                return 2;
            }
        }
    }

    static void printUsage(PrintStream out) {
        out.println("""
                usage: bitnet <command> [options]

                commands:
                  backends   list the compute backends found and why each is or is not usable
                  help       this text""");
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
