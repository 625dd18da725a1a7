package io.pgactive.tools.config.credentials;

/**
 * A credential that could not be read. The message names the reference and the reason, never a value: it goes to
 * logs, node errors and start-up errors as it is.
 */
public final class SecretException extends RuntimeException {

    private final String source;
    private final boolean missing;

    public SecretException(Object source, String reason) {
        this(source, reason, false);
    }

    /** @param missing the secret does not exist (as opposed to: it could not be read just now) */
    public SecretException(Object source, String reason, boolean missing) {
        super(source + ": " + reason, null, false, false);
        this.source = String.valueOf(source);
        this.missing = missing;
    }

    public boolean missing() {
        return missing;
    }

    /** The reference (or, for an IAM token, the node) that could not be read. */
    public String source() {
        return source;
    }

    /** The reason without the reference. */
    public String reason() {
        String m = getMessage();
        String prefix = source + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
