package io.pgactive.tools.workflow;

/** The Temporal server cannot be asked right now (worker disabled, not connected, no answer): try again later. */
public final class TemporalUnavailableException extends RuntimeException {

    public TemporalUnavailableException(String message) {
        super(message);
    }
}
