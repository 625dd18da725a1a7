package io.pgactive.tools.contract.temporal;

import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of a snapshot workflows decide on, small enough for activity results and heartbeats: version, cluster
 * status, and each node's status and worst lag. Built the same way from the in-process bus and from the SDK client.
 */
public record LagSummary(
        long version, long collectedAtMillis, String clusterStatus, Double maxLagSeconds, List<NodeLag> nodes) {

    public record NodeLag(String node, String status, Double lagSeconds) {}

    public LagSummary {
        nodes = List.copyOf(nodes);
    }

    public static LagSummary of(Snapshot s) {
        List<NodeLag> nodes = new ArrayList<>();
        for (NodeState n : s.nodes().values()) {
            nodes.add(new NodeLag(n.name(), n.status().name(), n.metrics().lagSeconds()));
        }
        return new LagSummary(
                s.version(),
                s.collectedAt().toEpochMilli(),
                s.cluster().status().name(),
                s.cluster().maxLagSeconds(),
                nodes);
    }

    /**
     * True when every node named (every node when {@code names} is empty) is present, has a lag figure and it is
     * below {@code maxLagSeconds}: a node without a figure cannot be called caught up.
     */
    public boolean caughtUp(List<String> names, double maxLagSeconds) {
        List<NodeLag> chosen = names.isEmpty()
                ? nodes
                : nodes.stream().filter(n -> names.contains(n.node())).toList();
        if (chosen.isEmpty() || chosen.size() < names.size()) {
            return false;
        }
        return chosen.stream().allMatch(n -> n.lagSeconds() != null && n.lagSeconds() < maxLagSeconds);
    }
}
