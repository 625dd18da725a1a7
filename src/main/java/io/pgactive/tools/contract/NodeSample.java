package io.pgactive.tools.contract;

import io.pgactive.tools.contract.snapshot.NodeStatus;
import java.time.Instant;

/** A node's figures as one stored version recorded them (the snapshot's node metrics, at full resolution). */
public record NodeSample(
        Instant at,
        long version,
        NodeStatus status,
        int consecutiveFailures,
        Double lagSeconds,
        Long lagBytes,
        Long lagXid,
        Integer conflictCount,
        Long conflictsTotal,
        Boolean walsenderActive,
        Boolean walReceiverActive,
        Boolean inRecovery,
        Double replayDelaySeconds) {}
