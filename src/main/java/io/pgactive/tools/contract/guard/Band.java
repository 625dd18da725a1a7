package io.pgactive.tools.contract.guard;

/**
 * Where a node's lag stands against the guard's two thresholds. Between them nothing changes: that gap is what keeps
 * the guard from flapping.
 */
public enum Band {
    /** above {@code pause_above}: writes get paused once it has lasted {@code hold} */
    ABOVE,
    /** between the thresholds: the gate stays as it is */
    BETWEEN,
    /** below {@code resume_below}: paused writes get resumed once it has lasted {@code hold} */
    BELOW,
    /** no lag figure (node down or not scraped yet): nothing is decided on it, paused writes stay paused */
    UNKNOWN;

    public static Band of(Double lagSeconds, double pauseAboveSeconds, double resumeBelowSeconds) {
        if (lagSeconds == null || lagSeconds.isNaN()) {
            return UNKNOWN;
        }
        if (lagSeconds > pauseAboveSeconds) {
            return ABOVE;
        }
        return lagSeconds < resumeBelowSeconds ? BELOW : BETWEEN;
    }
}
