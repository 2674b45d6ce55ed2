package io.bitnettt.download;

import java.util.Locale;

/**
 * One file of a Hub repository snapshot.
 *
 * @param path   repository-relative path with '/' separators, checked so it cannot escape the target directory
 * @param size   size in bytes, or -1 when the Hub did not say
 * @param sha256 lower-case hex SHA-256 for LFS files, or null for small files (the Hub only gives a git blob id)
 */
public record HubFile(String path, long size, String sha256) {

    public HubFile {
        checkPath(path);
        if (size < -1) {
            throw new IllegalArgumentException("size must be >= -1 (-1 = unknown), was " + size + " for " + path);
        }
        if (sha256 != null) {
            if (!sha256.matches("(?i)[0-9a-f]{64}")) {
                throw new IllegalArgumentException("sha256 of " + path + " is not 64 hex digits: " + sha256);
            }
            sha256 = sha256.toLowerCase(Locale.ROOT);
        }
    }

    /** Rejects paths that could write outside the download directory if a hub answer were malicious. */
    private static void checkPath(String path) {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.contains(":")
                || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("unsafe or empty repository file path: " + path);
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("unsafe repository file path: " + path);
            }
        }
    }
}
