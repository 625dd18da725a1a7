package io.pgactive.tools.workflow.upgrade;

/**
 * A port of the upgrade could not do its work. The message names what failed and never contains a secret, so it can
 * go into workflow history, events and logs as is. {@link #retryable()} tells the workflow whether trying again can
 * help (a server still starting, a lost connection) or an operator must act (a refused configuration, missing
 * binaries).
 */
public final class UpgradeException extends RuntimeException {

    private final boolean retryable;

    public UpgradeException(String message, boolean retryable) {
        this(message, retryable, null);
    }

    public UpgradeException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
