package io.bitnettt.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds backends with {@link ServiceLoader} and picks one: by name, or with {@code auto} the
 * available one of highest priority among those that allow it ({@link BackendProvider#autoSelectable()}).
 * Every backend {@code auto} passes over is logged with its reason.
 */
public final class BackendSelector {
    public static final String AUTO = "auto";
    private static final System.Logger LOG = System.getLogger(BackendSelector.class.getName());

    private final List<BackendProvider> providers;

    public BackendSelector(List<BackendProvider> providers) {
        this.providers = List.copyOf(providers);
    }

    /** The providers registered on the class path of this class's loader. */
    public static BackendSelector fromServiceLoader() {
        List<BackendProvider> found = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, BackendSelector.class.getClassLoader()).forEach(found::add);
        return new BackendSelector(found);
    }

    /** Every provider with its probe answer, highest priority first (ties by name). */
    public List<ProbeResult> probeAll() {
        List<ProbeResult> results = new ArrayList<>();
        for (BackendProvider p : providers) {
            results.add(new ProbeResult(p, safeProbe(p)));
        }
        results.sort(Comparator.comparingInt((ProbeResult r) -> -r.provider().priority())
                .thenComparing(ProbeResult::name));
        return results;
    }

    /**
     * The provider for {@code request}: a backend name (case-insensitive) or {@code auto}/null/blank.
     *
     * @throws BackendUnavailableException naming the backend, why it cannot be used, and which can
     */
    public BackendProvider select(String request) {
        List<ProbeResult> results = probeAll();
        String wanted = request == null || request.isBlank() ? AUTO : request.trim().toLowerCase(Locale.ROOT);
        if (wanted.equals(AUTO)) {
            for (ProbeResult r : results) {
                if (!r.provider().autoSelectable()) {
                    LOG.log(System.Logger.Level.INFO, "auto: skipped backend ''{0}'': it is chosen only by name",
                            r.name());
                    continue;
                }
                if (r.available()) {
                    LOG.log(System.Logger.Level.INFO, "auto: selected backend ''{0}'' (priority {1})",
                            r.name(), r.provider().priority());
                    return r.provider();
                }
                LOG.log(System.Logger.Level.INFO, "auto: skipped backend ''{0}'': {1}",
                        r.name(), r.availability().reason());
            }
            throw new BackendUnavailableException(AUTO, "no backend is available"
                    + (results.isEmpty() ? " (none registered on the class path)" : ": " + describe(results)));
        }
        for (ProbeResult r : results) {
            if (r.name().equalsIgnoreCase(wanted)) {
                if (r.available()) {
                    return r.provider();
                }
                throw new BackendUnavailableException(r.name(), "backend '" + r.name() + "' is unavailable: "
                        + r.availability().reason() + "; available backends: " + availableNames(results));
            }
        }
        throw new BackendUnavailableException(wanted, "no backend named '" + wanted + "' is registered; known: "
                + results.stream().map(ProbeResult::name).collect(Collectors.joining(", ", "[", "]"))
                + ", available: " + availableNames(results));
    }

    private static String availableNames(List<ProbeResult> results) {
        return results.stream().filter(ProbeResult::available).map(ProbeResult::name)
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static String describe(List<ProbeResult> results) {
        return results.stream().map(r -> r.name() + ": "
                        + (r.provider().autoSelectable() ? r.availability().reason() : "chosen only by name"))
                .collect(Collectors.joining("; "));
    }

    /** A probe that throws is a broken probe, not a broken application: report it as the reason. */
    private static Availability safeProbe(BackendProvider p) {
        try {
            Availability a = p.probe();
            return a != null ? a : Availability.unavailable("probe returned no answer");
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("probe failed: " + e);
        }
    }
}
