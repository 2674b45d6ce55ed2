package io.bitnettt.jmh.report;

import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.BackendUnavailableException;

/**
 * For each backend name given, prints one line: {@code NAME<TAB>available} or
 * {@code NAME<TAB>unavailable<TAB>REASON} (the probe's reason, as the selector words it), so
 * {@code bin/bench} can skip what cannot run here instead of failing benchmark after benchmark.
 */
public final class BackendProbeMain {
    private BackendProbeMain() {
    }

    public static void main(String[] args) {
        BackendSelector selector = BackendSelector.fromServiceLoader();
        for (String name : args) {
            try {
                selector.select(name);
                System.out.println(name + "\tavailable");
            } catch (BackendUnavailableException e) {
                System.out.println(name + "\tunavailable\t" + e.getMessage().replace('\t', ' ').replace('\n', ' '));
            }
        }
    }
}
