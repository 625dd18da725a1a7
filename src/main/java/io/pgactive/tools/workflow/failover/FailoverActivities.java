package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.failover.FailoverStep;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * What a failover does outside its workflow. Each one is idempotent: fencing a fenced node, promoting a promoted
 * standby or re-pointing traffic already pointed finds the earlier work done. Failures that retrying cannot fix are
 * non-retryable {@code ApplicationFailure}s with a message an operator can act on; none carries a password.
 */
@ActivityInterface
public interface FailoverActivities {

    /** The primary and its standbys from the latest snapshot. */
    @ActivityMethod(name = "FailoverObserve")
    ReplicationView observe(String primary);

    /** Whether {@code node} answers a direct probe now (a fresh connection and a query, short timeouts). */
    @ActivityMethod(name = "FailoverProbe")
    boolean probe(String node);

    /**
     * The router stops sending {@code primary} connections and ends its sessions; where the node is reachable it is
     * also made read-only and its client sessions ended. Returns what was done.
     */
    @ActivityMethod(name = "FailoverFence")
    String fence(String primary);

    /** Undoes {@link #fence} on a primary that was not replaced (a planned switchover that failed before promotion). */
    @ActivityMethod(name = "FailoverUnfence")
    String unfence(String primary);

    /**
     * Planned switchover: holds {@code primary}'s clients at PgBouncer ({@code PAUSE}: running transactions end, new
     * ones wait) until {@link #release}. Without a configured gate nothing is held; says which.
     */
    @ActivityMethod(name = "FailoverHold")
    String hold(String primary);

    /** Lets the held clients go on ({@code RESUME}); nothing to do without a gate. */
    @ActivityMethod(name = "FailoverRelease")
    String release(String primary);

    /** Waits (heartbeating) until {@code standby} has replayed all WAL of the fenced {@code primary}; returns the LSN. */
    @ActivityMethod(name = "FailoverAwaitCaughtUp")
    String awaitCaughtUp(String primary, String standby, long timeoutMillis);

    /** {@code pg_promote}, then waits for the end of recovery; nothing to do when it already left recovery. */
    @ActivityMethod(name = "FailoverPromote")
    String promote(String standby, long timeoutMillis);

    /** Waits until {@code node} is out of recovery and its sessions are read-write. */
    @ActivityMethod(name = "FailoverAwaitWritable")
    void awaitWritable(String node, long timeoutMillis);

    /**
     * Sets the promoted {@code node}'s {@code synchronous_standby_names} as {@code policy} says (see
     * {@link SynchronousStandbys#policy}), verified; returns the old and new value.
     */
    @ActivityMethod(name = "FailoverConfigureSynchronousStandbys")
    String configureSynchronousStandbys(String node, String policy);

    /** The router sends every new connection to {@code newPrimary} and none to {@code oldPrimary}. */
    @ActivityMethod(name = "FailoverRepoint")
    String repoint(String oldPrimary, String newPrimary);

    /**
     * The held part of a planned switchover in one call, over connections opened before the clients are held (both
     * nodes, PgBouncer's console): hold, fence, catch up, promote, wait writable, set the synchronous standbys as the
     * policy says, re-point, release. Heartbeats. A failure before promotion unfences the
     * primary where the step-by-step path would; every end releases the clients. Outcomes are in the report, not
     * thrown; the workflow records the steps afterwards.
     */
    @ActivityMethod(name = "FailoverSwitchover")
    SwitchoverReport switchover(String primary, String standby, FailoverPolicy policy);

    /** Waits (heartbeating) until {@code node} answers a direct probe; returns how long that took. */
    @ActivityMethod(name = "FailoverAwaitAnswers")
    String awaitAnswers(String node, long timeoutMillis);

    /**
     * Rebuilds {@code node} as a streaming standby of {@code newPrimary} (rewind or fresh base backup, standby
     * configuration, start); a node already streaming from it is left alone. Returns what was done.
     */
    @ActivityMethod(name = "FailoverRebuildStandby")
    String rebuildStandby(String node, String newPrimary);

    /** Waits (heartbeating) until the snapshot shows {@code node} in recovery, streaming from {@code newPrimary}. */
    @ActivityMethod(name = "FailoverAwaitStreaming")
    String awaitStreaming(String node, String newPrimary, long timeoutMillis);

    /**
     * When {@code policy} names {@code node} (or is {@code keep}), makes {@code primary}'s
     * {@code synchronous_standby_names} include it, verified; says what it found or changed. Null when the policy names
     * no such node: nothing to do.
     */
    @ActivityMethod(name = "FailoverIncludeSynchronousStandby")
    String includeSynchronousStandby(String primary, String node, String policy);

    /** Writes the step into the history store and the service's own view of failovers. */
    @ActivityMethod(name = "FailoverRecord")
    void record(FailoverStep step);
}
