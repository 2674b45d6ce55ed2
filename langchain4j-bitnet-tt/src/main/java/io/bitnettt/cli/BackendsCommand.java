package io.bitnettt.cli;

import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.ProbeResult;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code bitnet backends}: every backend found, and why each can or cannot run here. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = "List the compute backends found and why each is or is not usable.")
final class BackendsCommand implements Callable<Integer> {
    private final Console console;

    BackendsCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        print(console.out());
        return 0;
    }

    static void print(PrintStream out) {
        List<ProbeResult> results = BackendSelector.fromServiceLoader().probeAll();
        out.println("backends (highest priority first; 'auto' picks the first available):");
        for (ProbeResult r : results) {
            out.printf("  %-20s priority %3d  %-11s %s%n", r.name(), r.provider().priority(),
                    r.available() ? "available" : "unavailable", r.availability().reason());
        }
        if (results.isEmpty()) {
            out.println("  (none registered on the class path)");
        }
    }
}
