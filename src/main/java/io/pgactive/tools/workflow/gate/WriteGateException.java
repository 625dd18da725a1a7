package io.pgactive.tools.workflow.gate;

/**
 * A write gate could not be read or switched. The message always names the gate and never contains a password, so
 * it can go into workflow history, logs and alerts as is.
 */
public final class WriteGateException extends RuntimeException {

    private final String gate;

    public WriteGateException(String gate, String message) {
        this(gate, message, null);
    }

    public WriteGateException(String gate, String message, Throwable cause) {
        super("write gate " + gate + ": " + message, cause);
        this.gate = gate;
    }

    /** Name of the gate that failed. */
    public String gate() {
        return gate;
    }
}
