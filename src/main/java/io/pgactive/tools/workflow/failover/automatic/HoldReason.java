package io.pgactive.tools.workflow.failover.automatic;

import java.util.Locale;

/** Why the policy did not start a failover of a failing primary; {@link #tag()} is the metric label (few values). */
public enum HoldReason {
    /** The policy is off ({@code pgactive.failover.automatic.enabled=false}). */
    NOT_ENABLED,
    /** The primary is not in {@code pgactive.failover.automatic.primaries}. */
    NOT_LISTED,
    /** The primary has not failed in every snapshot for the automatic down-for yet (or for the failover's own). */
    DOWN_TOO_SHORT,
    /** A failover of the primary is being started or runs. */
    FAILOVER_RUNNING,
    /** The policy started a failover of this primary within the cooldown. */
    COOLDOWN,
    /** The service reads no other node either: it may be the one cut off, so it must not act. */
    MONITOR_ISOLATED,
    /** No standby of the primary was read in the latest snapshot. */
    NO_STANDBY_UP,
    /** Standbys were read, but the failover's rules refuse every one (lag, not streaming, promoted already). */
    NO_FIT_STANDBY,
    /** Temporal is not connected: the failover workflow cannot be started. */
    TEMPORAL_UNAVAILABLE,
    /**
     * The last start failed, or found a completed failover of the primary (which the service does not repeat); not
     * tried again before a while.
     */
    START_FAILED;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
