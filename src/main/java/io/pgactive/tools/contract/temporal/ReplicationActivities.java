package io.pgactive.tools.contract.temporal;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Replication state for workflows: the latest snapshot, and a wait for replication to catch up. */
@ActivityInterface
public interface ReplicationActivities {

    /** The latest snapshot, summarised; fails (retryably) before the first scrape cycle has finished. */
    @ActivityMethod(name = "FetchReplicationSnapshot")
    LagSummary fetchReplicationSnapshot();

    /**
     * Returns once {@code condition} has held for its hold time. Heartbeats every few seconds with a {@link AwaitProgress}
     * (give the activity a heartbeat timeout of about 15 s); after a retry it resumes from the last heartbeat, so the
     * time the condition already held is not lost. Bound it with the activity's start-to-close timeout.
     */
    @ActivityMethod(name = "AwaitReplicationCaughtUp")
    LagSummary awaitCaughtUp(LagCondition condition);

    /** Heartbeat details of {@link #awaitCaughtUp}: since when the condition holds (0: it does not) and the last summary. */
    record AwaitProgress(long holdingSinceMillis, LagSummary last) {}
}
