package io.pgactive.tools.workflow.failover;

/**
 * @param node                   the node to rebuild as a standby
 * @param newPrimary             the primary it is to stream from
 * @param reason                 free text for the history ({@code null} allowed)
 * @param programTimeoutMillis   bound on each program the rebuild runs
 * @param streamingTimeoutMillis how long the rebuilt node may take to stream in the snapshot
 * @param answerTimeoutMillis    how long to wait for the node to answer a probe before rebuilding it (a failover's
 *     old primary may still be down); 0 rebuilds at once
 * @param synchronousStandbysAfter {@code pgactive.failover.synchronous-standbys-after} (see
 *     {@link SynchronousStandbys#policy}): when it names the node, its new primary's synchronous standbys are made to
 *     include it once it streams; null (resyncs started before it existed) or none changes nothing
 */
public record ResyncInput(
        String id,
        String node,
        String newPrimary,
        String reason,
        long programTimeoutMillis,
        long streamingTimeoutMillis,
        long answerTimeoutMillis,
        String synchronousStandbysAfter) {

    public ResyncInput(
            String id,
            String node,
            String newPrimary,
            String reason,
            long programTimeoutMillis,
            long streamingTimeoutMillis) {
        this(id, node, newPrimary, reason, programTimeoutMillis, streamingTimeoutMillis, 0, null);
    }

    /** The same resync, from {@code primary}. */
    public ResyncInput from(String primary) {
        return new ResyncInput(
                id,
                node,
                primary,
                reason,
                programTimeoutMillis,
                streamingTimeoutMillis,
                answerTimeoutMillis,
                synchronousStandbysAfter);
    }
}
