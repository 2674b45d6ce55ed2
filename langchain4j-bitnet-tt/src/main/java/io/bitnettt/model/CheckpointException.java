package io.bitnettt.model;

/**
 * The one exception thrown for anything wrong with a model folder: config.json, the safetensors
 * files, the shard index or the tensors in them. It is unchecked because a bad checkpoint is not
 * something a caller can repair in place; it can only report it.
 *
 * <p>The message always has the form {@code <file>: <subject>: <problem>}, where {@code file} is the
 * file name (not the full path, so messages stay stable across machines) and {@code subject} is the
 * JSON field or tensor name at fault, so a user can find the problem without a debugger.
 */
public final class CheckpointException extends RuntimeException {

    private final String file;
    private final String subject;

    public CheckpointException(String file, String subject, String problem) {
        this(file, subject, problem, null);
    }

    public CheckpointException(String file, String subject, String problem, Throwable cause) {
        super(file + ": " + subject + ": " + problem, cause);
        this.file = file;
        this.subject = subject;
    }

    /** The name of the file at fault. */
    public String file() {
        return file;
    }

    /** The JSON field or tensor name at fault. */
    public String subject() {
        return subject;
    }
}
