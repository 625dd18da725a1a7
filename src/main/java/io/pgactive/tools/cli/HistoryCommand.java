package io.pgactive.tools.cli;

import io.pgactive.tools.contract.HistoryPoint;
import io.pgactive.tools.contract.NodeHistory;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.sdk.ReplicationStateClient;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        exitCodeListHeading = PgactiveToolsCli.EXIT_HEADING,
        exitCodeList = {
            PgactiveToolsCli.EXIT_0,
            PgactiveToolsCli.EXIT_1,
            PgactiveToolsCli.EXIT_2,
            PgactiveToolsCli.EXIT_3
        },
        footer = PgactiveToolsCli.FOOTER,
        name = "history",
        mixinStandardHelpOptions = true,
        description = {
            "A node's stored samples (status, lag, conflicts) over time.",
            "OK when the history could be read; UNKNOWN for an unknown node or an unreachable service."
        })
final class HistoryCommand extends PgactiveToolsCli.Check {

    @Parameters(index = "0", paramLabel = "NODE", description = "The node.")
    String node;

    @Option(
            names = "--since",
            paramLabel = "WHEN",
            defaultValue = "1h",
            converter = Since.class,
            description = "Age (90s, 15m, 2h, 7d) or RFC 3339 time (default: ${DEFAULT-VALUE}).")
    Instant since;

    @Option(
            names = "--step",
            paramLabel = "STEP",
            converter = Since.Step.class,
            description = "Aggregate per bucket of this length (10s, 1m, 1h): worst status, mean and max lag.")
    Duration step;

    @Override
    String name() {
        return "history";
    }

    @Override
    Report check(ReplicationStateClient client) {
        NodeHistory h = client.nodeHistory(node, since, null, step);
        Report r = new Report(name());
        r.table = new Table("TIME_UTC", "STATUS", "LAG_S", "MAX_LAG_S", "LAG_BYTES", "CONFL/MIN", "SAMPLES")
                .numeric(2, 3, 4, 5, 6)
                .paint(1, this::paintStatus);
        for (HistoryPoint p : h.points()) {
            r.table.row(
                    Nodes.shortTime(p.at()),
                    p.status(),
                    Nodes.seconds(p.lagSeconds()),
                    Nodes.seconds(p.lagSecondsMax() == null ? p.lagSeconds() : p.lagSecondsMax()),
                    p.lagBytes(),
                    p.conflictCount(),
                    p.samples());
        }
        r.json.put("node", h.node());
        r.json.put("from", Nodes.time(h.from()));
        r.json.put("to", Nodes.time(h.to()));
        r.json.put("step", h.step());
        r.json.set("points", SnapshotJson.MAPPER.valueToTree(h.points()));
        r.message = h.points().size() + " point" + (h.points().size() == 1 ? "" : "s") + " for " + h.node() + " since "
                + Nodes.time(h.from());
        return r;
    }
}
