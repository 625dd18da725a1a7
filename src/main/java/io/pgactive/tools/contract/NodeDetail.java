package io.pgactive.tools.contract;

import io.pgactive.tools.contract.snapshot.NodeStatus;
import java.time.Instant;
import java.util.List;

/**
 * One node's entry in the history ({@code GET /nodes/{name}}): what {@link StoredNode} says, and its last stored
 * sample ({@code null} when every sample has been retained away).
 */
public record NodeDetail(
        String name,
        NodeStatus status,
        boolean present,
        List<String> roles,
        String serverVersion,
        String pgactiveVersion,
        String errorClass,
        Instant firstSeenAt,
        Instant lastSeenAt,
        long lastVersion,
        NodeSample lastSample) {}
