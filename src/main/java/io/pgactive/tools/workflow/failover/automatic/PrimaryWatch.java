package io.pgactive.tools.workflow.failover.automatic;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the policy remembers of one primary between snapshots.
 *
 * @param version       the last snapshot version read (0 before the first)
 * @param downSince     when the primary was first seen failing in an unbroken run of versions, null while it is not
 * @param starting      a start of its failover was handed off and has not answered yet
 * @param runningSeenAt when a failover of it was last found running (null: none known)
 * @param startedAt     when the policy last started a failover of it (null: never), for the cooldown
 * @param retryAt       a start failed: not before this
 * @param reported      the reasons already logged and counted in this outage
 */
public record PrimaryWatch(
        long version,
        Instant downSince,
        boolean starting,
        Instant runningSeenAt,
        Instant startedAt,
        Instant retryAt,
        Set<HoldReason> reported) {

    public static final PrimaryWatch NEW = new PrimaryWatch(0, null, false, null, null, null, Set.of());

    public PrimaryWatch {
        reported = reported.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(reported));
    }

    /** The hand-off started the workflow at {@code at}. */
    public PrimaryWatch started(Instant at) {
        return new PrimaryWatch(version, downSince, false, at, at, null, reported);
    }

    /** The hand-off found a failover of the primary running (not the policy's own start). */
    public PrimaryWatch foundRunning(Instant at) {
        return new PrimaryWatch(version, downSince, false, at, startedAt, null, reported);
    }

    /** The hand-off could not start it; not tried again before {@code retryAt}. */
    public PrimaryWatch startFailed(Instant retryAt) {
        return new PrimaryWatch(version, downSince, false, runningSeenAt, startedAt, retryAt, reported);
    }

    boolean coolingDown(Instant now, long cooldownMillis) {
        return startedAt != null && now.toEpochMilli() - startedAt.toEpochMilli() < cooldownMillis;
    }
}
