package io.pgactive.tools.contract;

import io.pgactive.tools.contract.snapshot.NodeStatus;
import java.time.Instant;

/**
 * One stored version as listed by {@code GET /snapshots}.
 *
 * @param fullSnapshot whether its full snapshot is still kept ({@code GET /snapshots/{version}} answers 410 once not)
 */
public record SnapshotSummary(
        long version,
        Instant collectedAt,
        NodeStatus clusterStatus,
        int nodesTotal,
        int nodesHealthy,
        Double maxLagSeconds,
        boolean fullSnapshot) {}
