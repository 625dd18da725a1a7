package io.pgactive.tools.snapshot;

import io.pgactive.tools.contract.snapshot.ClusterSummary;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Operation;
import io.pgactive.tools.contract.snapshot.Snapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges one cycle's observations into the next immutable {@link Snapshot}: applies the per-node health state machine
 * (failure streaks, thresholds, recovery on the first success) and carries a failed node's last good values forward.
 * Not thread-safe: the collector calls it for one cycle at a time, which makes it the single owner of the per-node
 * history.
 */
public final class SnapshotAssembler {

    private final HealthPolicy policy;
    private Map<String, NodeState> previous = Map.of();

    public SnapshotAssembler(HealthPolicy policy) {
        this.policy = policy;
    }

    public Snapshot assemble(long version, Instant collectedAt, List<NodeObservation> observations) {
        return assemble(version, collectedAt, observations, List.of());
    }

    /** @param operations the workflows running now, carried as they are (built here, so the node map is copied once) */
    public Snapshot assemble(
            long version, Instant collectedAt, List<NodeObservation> observations, List<Operation> operations) {
        Map<String, NodeState> nodes = new LinkedHashMap<>();
        for (NodeObservation obs : observations) {
            nodes.put(obs.name(), next(previous.get(obs.name()), obs));
        }
        previous = new HashMap<>(nodes);
        return new Snapshot(version, collectedAt, summarise(nodes.values()), nodes, operations);
    }

    NodeState next(NodeState prev, NodeObservation obs) {
        if (obs.success()) {
            NodeMetrics metrics = obs.metrics() == null ? NodeMetrics.EMPTY : obs.metrics();
            HealthPolicy.Verdict verdict = policy.judge(metrics, obs.links());
            return new NodeState(
                    obs.name(),
                    verdict.status(),
                    obs.roles(),
                    verdict.reasons(),
                    obs.readAt(),
                    0,
                    null,
                    null,
                    obs.readAt(),
                    obs.serverVersion(),
                    obs.pgactiveVersion(),
                    metrics,
                    obs.links(),
                    obs.custom(),
                    obs.customErrors());
        }
        int failures = prev == null ? 1 : prev.consecutiveFailures() + 1;
        NodeStatus before = prev == null ? NodeStatus.UNKNOWN : prev.status();
        NodeStatus status;
        if (failures >= policy.downAfterFailures()) {
            status = NodeStatus.DOWN;
        } else if (failures >= policy.degradedAfterFailures()) {
            status = before == NodeStatus.DOWN ? NodeStatus.DOWN : before.worst(NodeStatus.DEGRADED);
        } else {
            status = before;
        }
        List<String> reasons = new ArrayList<>();
        reasons.add(failures + (failures == 1 ? " failed scrape: " : " consecutive failed scrapes: ") + obs.error());
        if (prev != null && failures < policy.degradedAfterFailures()) {
            reasons.addAll(prev.reasons().stream()
                    .filter(r -> !r.contains("failed scrape"))
                    .toList());
        }
        if (prev == null) {
            return new NodeState(
                    obs.name(),
                    status,
                    List.of(),
                    reasons,
                    null,
                    failures,
                    obs.error(),
                    obs.errorClass(),
                    null,
                    null,
                    null,
                    NodeMetrics.EMPTY,
                    List.of(),
                    Map.of(),
                    Map.of());
        }
        return new NodeState(
                obs.name(),
                status,
                prev.roles(),
                reasons,
                prev.lastSuccessAt(),
                failures,
                obs.error(),
                obs.errorClass(),
                prev.readAt(),
                prev.serverVersion(),
                prev.pgactiveVersion(),
                prev.metrics(),
                prev.links(),
                prev.custom(),
                prev.customErrors());
    }

    static ClusterSummary summarise(Iterable<NodeState> nodes) {
        NodeStatus worst = null;
        int total = 0;
        int healthy = 0;
        Double maxLag = null;
        for (NodeState n : nodes) {
            total++;
            worst = worst == null ? n.status() : worst.worst(n.status());
            if (n.status() == NodeStatus.HEALTHY) {
                healthy++;
            }
            Double lag = n.metrics().lagSeconds();
            if (lag != null && (maxLag == null || lag > maxLag)) {
                maxLag = lag;
            }
        }
        return new ClusterSummary(worst == null ? NodeStatus.UNKNOWN : worst, total, healthy, maxLag);
    }
}
