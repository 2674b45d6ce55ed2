package io.bitnettt.download;

import java.net.URI;

/**
 * A downloaded file does not match the size or SHA-256 the Hub announced. The partial file has been deleted,
 * so the next attempt starts from scratch.
 */
public final class FileIntegrityException extends HubDownloadException {

    private final String file;
    private final String property;
    private final String expected;
    private final String actual;

    public FileIntegrityException(String file, String property, String expected, String actual, URI url) {
        super(file + ": " + property + " mismatch, expected " + expected + " but got " + actual
                + " (downloaded from " + url + "; partial file deleted)", url, -1);
        this.file = file;
        this.property = property;
        this.expected = expected;
        this.actual = actual;
    }

    /** Repository-relative path of the file. */
    public String file() {
        return file;
    }

    /** "size" or "sha256". */
    public String property() {
        return property;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }
}
