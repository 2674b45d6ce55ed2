package io.bitnettt.download;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The file list of a repository at one revision, as answered by
 * {@code GET /api/models/{repo}/revision/{rev}?blobs=true}.
 *
 * @param commit the commit the revision resolved to, or the revision itself if the Hub did not say;
 *               files are fetched at this commit so a branch moving mid-download cannot mix snapshots
 */
public record HubSnapshot(String repo, String revision, String commit, List<HubFile> files) {

    public HubSnapshot {
        files = List.copyOf(files);
    }

    /** Sum of known file sizes. */
    public long totalBytes() {
        return files.stream().mapToLong(f -> Math.max(0, f.size())).sum();
    }

    static HubSnapshot parse(String repo, String revision, JsonNode json, URI source) throws HubDownloadException {
        JsonNode siblings = json.get("siblings");
        if (siblings == null || !siblings.isArray()) {
            throw new HubDownloadException("answer from " + source + " has no 'siblings' array", source, 200);
        }
        List<HubFile> files = new ArrayList<>();
        for (JsonNode s : siblings) {
            String name = s.path("rfilename").asText(null);
            JsonNode lfs = s.get("lfs");
            // LFS entries carry the real content hash and size; the top-level size of small files is enough.
            long size = lfs != null && lfs.has("size") ? lfs.get("size").asLong()
                    : s.has("size") ? s.get("size").asLong() : -1;
            String sha = lfs != null && lfs.hasNonNull("sha256") ? lfs.get("sha256").asText() : null;
            try {
                files.add(new HubFile(name, size, sha));
            } catch (IllegalArgumentException e) {
                throw new HubDownloadException("bad file entry in " + source + ": " + e.getMessage(), source, 200, e);
            }
        }
        String commit = json.hasNonNull("sha") ? json.get("sha").asText() : revision;
        return new HubSnapshot(repo, revision, commit, files);
    }
}
