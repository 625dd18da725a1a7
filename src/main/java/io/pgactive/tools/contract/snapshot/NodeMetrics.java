package io.pgactive.tools.contract.snapshot;

import java.util.Map;

/**
 * The seed-compatible per-node summary: lag values are the worst over the node's links, LSNs are those of the
 * worst outbound link. {@code conflictCount} is the number of conflicts in the last minute (what the threshold
 * {@code conflicts_warn} is compared with), {@code conflictsTotal} the cumulative count seen on the node.
 */
public record NodeMetrics(
        Long lagXid,
        Double lagSeconds,
        Long lagBytes,
        Boolean walsenderActive,
        String sentLsn,
        String writeLsn,
        String flushLsn,
        String replayLsn,
        Integer conflictCount,
        Long conflictsTotal,
        Map<String, Long> conflictsByType,
        Boolean inRecovery,
        String walLsn,
        Boolean walReceiverActive,
        Double replayDelaySeconds) {

    public static final NodeMetrics EMPTY = new NodeMetrics(
            null, null, null, null, null, null, null, null, null, null, Map.of(), null, null, null, null);

    public NodeMetrics {
        conflictsByType = conflictsByType == null ? Map.of() : Map.copyOf(conflictsByType);
    }
}
