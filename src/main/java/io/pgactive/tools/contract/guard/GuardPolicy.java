package io.pgactive.tools.contract.guard;

/**
 * The guard's thresholds as the workflow carries them (plain numbers: workflow inputs must stay readable by every
 * version of the workflow code). {@code historyLimit} is the history length after which a run continues as new.
 */
public record GuardPolicy(
        double pauseAboveSeconds,
        double resumeBelowSeconds,
        long holdMillis,
        long maxPauseMillis,
        long reconcileMillis,
        int historyLimit) {

    public static final long RECONCILE_MILLIS = 5 * 60_000L;
    public static final int HISTORY_LIMIT = 2_000;

    public Band band(Double lagSeconds) {
        return Band.of(lagSeconds, pauseAboveSeconds, resumeBelowSeconds);
    }
}
