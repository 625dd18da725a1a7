package io.pgactive.tools.workflow.failover;

/**
 * The limits a failover works within (from {@code pgactive.failover.*}); part of the workflow's input so a running
 * failover keeps the limits it started with.
 *
 * @param downForMillis          how long the snapshot must have seen the primary failing before it counts as down
 * @param maxLagBytes            the most WAL an asynchronous candidate may miss (a synchronous one holds every
 *                               acknowledged commit, so it is exempt)
 * @param catchUpTimeoutMillis   how long a planned switchover waits for the standby to replay everything
 * @param promoteTimeoutMillis   bound on the promotion ({@code pg_promote} and the end of recovery, or RDS's PromoteReadReplica)
 * @param writableTimeoutMillis  how long the promoted node may take to accept writes
 * @param synchronousStandbysAfter the promoted node's {@code synchronous_standby_names} policy (see
 *                               {@link SynchronousStandbys#policy}); null in failovers started before it existed,
 *                               read as none
 */
public record FailoverPolicy(
        long downForMillis,
        long maxLagBytes,
        long catchUpTimeoutMillis,
        long promoteTimeoutMillis,
        long writableTimeoutMillis,
        String synchronousStandbysAfter) {

    public static final FailoverPolicy DEFAULT = new FailoverPolicy(5_000, 16L * 1024 * 1024, 30_000, 60_000, 30_000);

    /** With no synchronous standby after the failover. */
    public FailoverPolicy(
            long downForMillis,
            long maxLagBytes,
            long catchUpTimeoutMillis,
            long promoteTimeoutMillis,
            long writableTimeoutMillis) {
        this(
                downForMillis,
                maxLagBytes,
                catchUpTimeoutMillis,
                promoteTimeoutMillis,
                writableTimeoutMillis,
                SynchronousStandbys.NONE);
    }

    public FailoverPolicy withSynchronousStandbysAfter(String policy) {
        return new FailoverPolicy(
                downForMillis, maxLagBytes, catchUpTimeoutMillis, promoteTimeoutMillis, writableTimeoutMillis, policy);
    }
}
