package io.pgactive.tools.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.sdk.ReplicationStateClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
        name = "lag",
        mixinStandardHelpOptions = true,
        description = {
            "Replication lag per node (the worst over its links).",
            "Without --warn/--crit the service's verdict is used (its thresholds from tools.yaml: DEGRADED is a",
            "warning, CRITICAL critical); with either, each node's lag_seconds is compared here instead.",
            "A DOWN or UNKNOWN node is UNKNOWN (node unreachable)."
        })
final class LagCommand extends PgactiveToolsCli.Check {

    @Option(names = "--node", paramLabel = "NAME", description = "Only these nodes (repeatable, or comma separated).")
    List<String> nodes;

    @Option(names = "--warn", paramLabel = "SECONDS", description = "Warning when lag_seconds >= this.")
    Double warn;

    @Option(names = "--crit", paramLabel = "SECONDS", description = "Critical when lag_seconds >= this.")
    Double crit;

    @Override
    String name() {
        return "lag";
    }

    private record Verdict(NodeState node, Result result, String why) {}

    @Override
    Report check(ReplicationStateClient client) {
        if (warn != null && crit != null && warn > crit) {
            throw new PgactiveToolsCli.UsageException("--warn " + warn + " is above --crit " + crit);
        }
        Snapshot s = client.getSnapshot();
        List<Verdict> verdicts = new ArrayList<>();
        for (NodeState n : Nodes.select(s, split(nodes))) {
            verdicts.add(judge(n));
        }
        Report r = new Report(name());
        List<String> problems = new ArrayList<>();
        Double maxLag = null;
        ArrayNode json = r.json.putArray("nodes");
        r.table = new Table("NODE", "STATUS", "CHECK", "LAG_S", "LAG_BYTES", "CONFL/MIN")
                .numeric(3, 4, 5)
                .paint(1, this::paintStatus);
        for (Verdict v : verdicts) {
            NodeMetrics m = v.node.metrics() == null ? NodeMetrics.EMPTY : v.node.metrics();
            r.result = r.result.worst(v.result);
            if (v.result != Result.OK) {
                problems.add(v.node.name() + " " + v.why);
            }
            if (m.lagSeconds() != null && v.result != Result.UNKNOWN) {
                maxLag = maxLag == null ? m.lagSeconds() : Math.max(maxLag, m.lagSeconds());
            }
            r.table.row(
                    v.node.name(),
                    v.node.status(),
                    v.result.name().toLowerCase(Locale.ROOT),
                    Nodes.seconds(m.lagSeconds()),
                    m.lagBytes(),
                    m.conflictCount());
            ObjectNode o = json.addObject();
            o.put("name", v.node.name());
            o.put("status", v.node.status().name());
            o.put("result", v.result.name());
            o.put("reason", v.why);
            o.put("lag_seconds", m.lagSeconds());
            o.put("lag_bytes", m.lagBytes());
            o.put("conflict_count", m.conflictCount());
            String label = "'" + v.node.name().replace("'", "") + "_";
            r.perfdata.add(label + "lag'=" + (m.lagSeconds() == null ? "U" : Nodes.seconds(m.lagSeconds())) + "s;"
                    + (warn == null ? "" : Nodes.number(warn)) + ";" + (crit == null ? "" : Nodes.number(crit))
                    + ";0;");
            r.perfdata.add(label + "lag_bytes'=" + (m.lagBytes() == null ? "U" : m.lagBytes()) + "B;;;0;");
        }
        r.json.put("version", s.version());
        r.json.put("collected_at", Nodes.time(s.collectedAt()));
        r.json.putObject("thresholds").put("warn", warn).put("crit", crit);
        r.message = problems.isEmpty()
                ? verdicts.size() + " node" + (verdicts.size() == 1 ? "" : "s") + ", max lag "
                        + (maxLag == null ? "unknown" : Nodes.seconds(maxLag) + "s")
                : String.join("; ", problems);
        return r;
    }

    private Verdict judge(NodeState n) {
        String unreachable = Nodes.unreachable(n);
        if (unreachable != null) {
            return new Verdict(n, Result.UNKNOWN, unreachable);
        }
        if (warn == null && crit == null) {
            Result r = Result.of(n.status());
            return new Verdict(n, r, r == Result.OK ? null : String.join(", ", n.reasons()));
        }
        Double lag = n.metrics() == null ? null : n.metrics().lagSeconds();
        if (lag != null && crit != null && lag >= crit) {
            return new Verdict(
                    n, Result.CRITICAL, "lag " + Nodes.seconds(lag) + "s >= critical " + Nodes.number(crit) + "s");
        }
        if (lag != null && warn != null && lag >= warn) {
            return new Verdict(
                    n, Result.WARNING, "lag " + Nodes.seconds(lag) + "s >= warning " + Nodes.number(warn) + "s");
        }
        return new Verdict(n, Result.OK, null);
    }
}
