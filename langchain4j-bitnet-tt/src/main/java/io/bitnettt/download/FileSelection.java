package io.bitnettt.download;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which files of a repository snapshot {@link HubDownloader} fetches.
 */
@FunctionalInterface
public interface FileSelection {

    /**
     * The files to fetch, in order.
     *
     * @throws IllegalArgumentException naming the repository and its files when the wanted file is
     *     not there or the choice is the caller's to make
     */
    List<HubFile> select(HubSnapshot snapshot);

    /** Every file of the snapshot. */
    static FileSelection all() {
        return HubSnapshot::files;
    }

    /** Exactly these repository paths; one the snapshot lacks fails, listing what it has. */
    static FileSelection paths(List<String> paths) {
        List<String> wanted = List.copyOf(paths);
        return snapshot -> {
            List<HubFile> out = new ArrayList<>();
            for (String path : wanted) {
                HubFile f = snapshot.files().stream().filter(h -> h.path().equals(path)).findFirst().orElse(null);
                if (f == null) {
                    throw new IllegalArgumentException(snapshot.repo() + "@" + snapshot.revision() + " has no file '"
                            + path + "'; it has " + names(snapshot.files()));
                }
                out.add(f);
            }
            return out;
        };
    }

    /**
     * What a model loader needs: the whole repository when it is a Hugging Face model folder, or
     * its one {@code .gguf} file when it is a GGUF repository (GGUF files and no {@code config.json},
     * such as {@code microsoft/bitnet-b1.58-2B-4T-gguf}), so a repository of several quantizations
     * is not fetched whole. Several GGUF files fail, naming them, so the caller can pick one.
     */
    static FileSelection model() {
        return snapshot -> {
            List<HubFile> ggufs = snapshot.files().stream()
                    .filter(f -> f.path().toLowerCase(Locale.ROOT).endsWith(".gguf")).toList();
            boolean folder = snapshot.files().stream().anyMatch(f -> f.path().equals("config.json"));
            if (folder || ggufs.isEmpty()) {
                return snapshot.files();
            }
            if (ggufs.size() > 1) {
                throw new IllegalArgumentException(snapshot.repo() + "@" + snapshot.revision() + " holds "
                        + ggufs.size() + " GGUF files, " + names(ggufs) + "; choose one");
            }
            return ggufs;
        };
    }

    private static String names(List<HubFile> files) {
        List<String> names = files.stream().map(HubFile::path).toList();
        return names.size() > 30 ? names.subList(0, 30) + " and " + (names.size() - 30) + " more" : names.toString();
    }
}
