package io.pgactive.tools.contract;

import io.pgactive.tools.contract.snapshot.NodeStatus;
import java.time.Instant;

/**
 * A node the history has seen, as listed by {@code GET /nodes}: its latest known status and when it was seen.
 *
 * @param present whether the newest stored snapshot has it
 * @param roles   its roles as stored, comma-separated ({@link NodeDetail} has them as a list)
 */
public record StoredNode(
        String name,
        NodeStatus status,
        boolean present,
        String roles,
        String serverVersion,
        String pgactiveVersion,
        String errorClass,
        Instant firstSeenAt,
        Instant lastSeenAt,
        long lastVersion) {}
