package io.bitnettt.download;

import java.io.IOException;
import java.net.URI;

/**
 * A Hugging Face Hub download failed: an HTTP error, a network failure or a malformed answer.
 * The message always names the URL; {@link #statusCode()} is the HTTP status, or -1 when no response arrived.
 * A partial {@code .part} file left behind by a network failure is resumed by the next download.
 */
public class HubDownloadException extends IOException {

    private final URI url;
    private final int statusCode;

    public HubDownloadException(String message, URI url, int statusCode) {
        super(message);
        this.url = url;
        this.statusCode = statusCode;
    }

    public HubDownloadException(String message, URI url, int statusCode, Throwable cause) {
        super(message, cause);
        this.url = url;
        this.statusCode = statusCode;
    }

    public URI url() {
        return url;
    }

    /** HTTP status of the failing response, or -1 for network failures and integrity errors. */
    public int statusCode() {
        return statusCode;
    }
}
