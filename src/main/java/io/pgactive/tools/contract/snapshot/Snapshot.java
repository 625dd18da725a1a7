package io.pgactive.tools.contract.snapshot;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replication state of every node at the end of one scrape cycle. {@code version} increases by exactly one per
 * published snapshot and is never reused, even across restarts; {@code collectedAt} is when the cycle's queries
 * completed. Nodes are keyed and ordered by name.
 */
public record Snapshot(long version, Instant collectedAt, ClusterSummary cluster, Map<String, NodeState> nodes) {

    public Snapshot {
        nodes = Collections.unmodifiableMap(new TreeMap<>(nodes));
    }
}
