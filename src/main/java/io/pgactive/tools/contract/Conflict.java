package io.pgactive.tools.contract;

import java.time.Instant;

/**
 * One row of the conflict ledger ({@code GET /conflicts}): a conflict a node's pgactive resolved, copied from its
 * history.
 *
 * @param remoteNode the node the conflicting change came from, or its sysid when the name is unknown
 * @param version    the first snapshot version that saw the conflict
 */
public record Conflict(
        String node,
        long conflictId,
        Instant at,
        String conflictType,
        String resolution,
        String objectSchema,
        String objectName,
        String remoteNode,
        long version) {}
