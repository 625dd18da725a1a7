package io.pgactive.tools.snapshot;

import java.time.Instant;

/**
 * One row of a node's pgactive conflict history, carried from the scrape to the store. Not part of the snapshot JSON:
 * the snapshot says how many conflicts there are, the history database keeps what they were.
 *
 * @param remoteNode the name of the node the conflicting change came from, or its sysid when the name is unknown
 */
public record ConflictRecord(
        String node,
        long conflictId,
        Instant at,
        String type,
        String resolution,
        String objectSchema,
        String objectName,
        String remoteNode) {}
