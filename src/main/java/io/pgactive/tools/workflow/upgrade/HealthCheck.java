package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.HealthReport;
import io.pgactive.tools.snapshot.HealthPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * The health check of a traffic step, from what the service already knows: both nodes readable and not critical in
 * the snapshot, replication running both ways within the lag threshold, no conflicts counted on either node in the
 * last minute, and the optional SQL probe's outcome. Pure, so every rule can be checked without servers.
 */
public final class HealthCheck {

    private HealthCheck() {}

    /**
     * @param snapshot    the latest snapshot; null when there is none yet (unhealthy: nothing vouches for the nodes)
     * @param replication replication's own view, read from both databases
     * @param probeErrors what the SQL probe reported, one line per failing node (empty: passed or not configured)
     */
    public static HealthReport check(
            long now,
            Snapshot snapshot,
            DatabaseRef source,
            DatabaseRef target,
            ReplicationState replication,
            UpgradePolicy policy,
            List<String> probeErrors) {
        List<String> problems = new ArrayList<>();
        if (snapshot == null) {
            problems.add("no snapshot yet");
        } else {
            node(snapshot, source.node(), "source", problems);
            node(snapshot, target.node(), "target", problems);
        }
        long lag = -1;
        if (replication == null) {
            problems.add("replication state unreadable");
        } else {
            if (!replication.forwardActive()) {
                problems.add("forward replication (source → target) is not running");
            }
            if (!replication.reverseActive()) {
                problems.add("the path back (target → source) is not running");
            }
            lag = Math.max(replication.forwardLagBytes(), replication.reverseLagBytes());
            if (replication.forwardLagBytes() < 0) {
                problems.add("replication lag unknown");
            } else if (lag > policy.lagThresholdBytes()) {
                problems.add("replication lag " + UpgradeRules.bytes(lag) + " above "
                        + UpgradeRules.bytes(policy.lagThresholdBytes()));
            }
        }
        problems.addAll(probeErrors);
        return new HealthReport(
                now,
                problems.isEmpty(),
                problems,
                lag,
                replication == null ? 0 : replication.applyErrors(),
                snapshot == null ? 0 : snapshot.version());
    }

    /**
     * True when the snapshot can vouch for the node: known, not DOWN, and answering, where a cycle or two without an
     * answer is a blip (a slow scrape, the monitor's own stall) as the node's health policy counts it, not a reason to
     * move traffic back.
     */
    public static boolean readable(Snapshot snapshot, String node) {
        NodeState n = snapshot == null ? null : snapshot.nodes().get(node);
        return n != null
                && n.consecutiveFailures() < HealthPolicy.DEGRADED_AFTER_FAILURES
                && n.status() != NodeStatus.DOWN
                && n.status() != NodeStatus.UNKNOWN;
    }

    private static void node(Snapshot snapshot, String name, String role, List<String> problems) {
        NodeState n = snapshot.nodes().get(name);
        if (n == null) {
            problems.add(role + " " + name + " is not in the snapshot");
            return;
        }
        if (!readable(snapshot, name)) {
            problems.add(role + " " + name + " is " + n.status() + (n.error() == null ? "" : ": " + n.error()));
        } else if (n.status() == NodeStatus.CRITICAL) {
            problems.add(role + " " + name + " is CRITICAL: " + String.join(", ", n.reasons()));
        }
        Integer conflicts = n.metrics() == null ? null : n.metrics().conflictCount();
        if (conflicts != null && conflicts > 0) {
            problems.add(role + " " + name + " counted " + conflicts + " conflict(s) in the last minute");
        }
    }
}
