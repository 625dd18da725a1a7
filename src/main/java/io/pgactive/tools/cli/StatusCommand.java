package io.pgactive.tools.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.sdk.ReplicationStateClient;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        exitCodeListHeading = PgactiveToolsCli.EXIT_HEADING,
        exitCodeList = {
            PgactiveToolsCli.EXIT_0,
            PgactiveToolsCli.EXIT_1,
            PgactiveToolsCli.EXIT_2,
            PgactiveToolsCli.EXIT_3
        },
        footer = PgactiveToolsCli.FOOTER,
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Cluster and node status with the service's reasons.",
            "HEALTHY is OK, DEGRADED a warning, CRITICAL critical, DOWN/UNKNOWN unknown (node unreachable)."
        })
final class StatusCommand extends PgactiveToolsCli.Check {

    @Option(names = "--node", paramLabel = "NAME", description = "Only these nodes (repeatable, or comma separated).")
    List<String> nodes;

    @Override
    String name() {
        return "status";
    }

    @Override
    Report check(ReplicationStateClient client) {
        Snapshot s = client.getSnapshot();
        Report r = new Report(name());
        List<String> problems = new ArrayList<>();
        r.table = new Table("NODE", "STATUS", "ROLES", "FAILURES", "LAST_SUCCESS")
                .numeric(3)
                .paint(1, this::paintStatus);
        ArrayNode json = r.json.putArray("nodes");
        int healthy = 0;
        List<NodeState> selected = Nodes.select(s, split(nodes));
        for (NodeState n : selected) {
            Result verdict = Result.of(n.status());
            r.result = r.result.worst(verdict);
            String unreachable = Nodes.unreachable(n);
            if (verdict == Result.OK) {
                healthy++;
            } else {
                problems.add(n.name() + " " + n.status()
                        + (unreachable != null
                                ? " (" + unreachable + ")"
                                : n.reasons().isEmpty() ? "" : " (" + String.join(", ", n.reasons()) + ")"));
            }
            r.table.row(
                    n.name(),
                    n.status(),
                    String.join(",", n.roles()),
                    n.consecutiveFailures(),
                    Nodes.time(n.lastSuccessAt()));
            for (String reason : n.reasons()) {
                r.notes.add("  " + n.name() + ": " + reason);
            }
            if (n.error() != null) {
                r.notes.add("  " + n.name() + ": " + (n.errorClass() == null ? "" : n.errorClass() + ": ") + n.error());
            }
            ObjectNode o = json.addObject();
            o.put("name", n.name());
            o.put("status", n.status().name());
            o.put("result", verdict.name());
            o.putPOJO("roles", n.roles());
            o.putPOJO("reasons", n.reasons());
            o.put("error", n.error());
            o.put("error_class", n.errorClass());
            o.put("consecutive_failures", n.consecutiveFailures());
            o.put("last_success_at", Nodes.time(n.lastSuccessAt()));
        }
        r.perfdata.add("'nodes'=" + selected.size() + ";;;0;");
        r.perfdata.add("'nodes_healthy'=" + healthy + ";;;0;" + selected.size());
        r.json.put("version", s.version());
        r.json.put("collected_at", Nodes.time(s.collectedAt()));
        ObjectNode cluster = r.json.putObject("cluster");
        cluster.put("status", s.cluster().status().name());
        cluster.put("nodes_total", s.cluster().nodesTotal());
        cluster.put("nodes_healthy", s.cluster().nodesHealthy());
        cluster.put("max_lag_seconds", s.cluster().maxLagSeconds());
        r.message = problems.isEmpty()
                ? "cluster " + s.cluster().status() + ", " + healthy + "/" + selected.size() + " nodes healthy"
                : String.join("; ", problems);
        return r;
    }
}
