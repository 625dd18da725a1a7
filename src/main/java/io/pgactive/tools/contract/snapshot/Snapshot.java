package io.pgactive.tools.contract.snapshot;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replication state of every node at the end of one scrape cycle. {@code version} increases by exactly one per
 * published snapshot and is never reused, even across restarts; {@code collectedAt} is when the cycle's queries
 * completed. Nodes are keyed and ordered by name.
 *
 * @param operations failovers, resyncs and upgrades running or recently finished, oldest first; absent from the JSON
 *     when there are none, so a cluster without them publishes the same bytes as before they existed
 */
public record Snapshot(
        long version,
        Instant collectedAt,
        ClusterSummary cluster,
        Map<String, NodeState> nodes,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Operation> operations) {

    public Snapshot {
        nodes = Collections.unmodifiableMap(new TreeMap<>(nodes));
        operations = operations == null ? List.of() : List.copyOf(operations);
    }

    public Snapshot(long version, Instant collectedAt, ClusterSummary cluster, Map<String, NodeState> nodes) {
        this(version, collectedAt, cluster, nodes, List.of());
    }
}
