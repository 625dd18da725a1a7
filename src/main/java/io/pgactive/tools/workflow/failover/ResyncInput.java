package io.pgactive.tools.workflow.failover;

/**
 * @param node                   the node to rebuild as a standby
 * @param newPrimary             the primary it is to stream from
 * @param reason                 free text for the history ({@code null} allowed)
 * @param programTimeoutMillis   bound on each program the rebuild runs
 * @param streamingTimeoutMillis how long the rebuilt node may take to stream in the snapshot
 */
public record ResyncInput(
        String id,
        String node,
        String newPrimary,
        String reason,
        long programTimeoutMillis,
        long streamingTimeoutMillis) {}
