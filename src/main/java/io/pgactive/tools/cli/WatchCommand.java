package io.pgactive.tools.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.sdk.ReplicationStateClient;
import io.pgactive.tools.sdk.WatchClient;
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
        name = "watch",
        mixinStandardHelpOptions = true,
        description = {
            "Follows every version live (GET /watch): a table redrawn in place on a terminal, one line",
            "per version when piped (JSON Lines with --format json). Runs until Ctrl-C or --count versions;",
            "the exit code is the last version's verdict, as for status."
        })
final class WatchCommand extends PgactiveToolsCli.Check {

    static final String CLEAR = "\u001b[H\u001b[2J";

    @Option(names = "--node", paramLabel = "NAME", description = "Only these nodes (repeatable, or comma separated).")
    List<String> nodes;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N versions.")
    Integer count;

    @Override
    String name() {
        return "watch";
    }

    @Override
    Report check(ReplicationStateClient client) {
        if (count != null && count < 1) {
            throw new PgactiveToolsCli.UsageException("--count must be at least 1");
        }
        client.getSnapshot(); // an unreachable or unready service is reported at once, not retried forever
        Report last = Report.failure(name(), Result.UNKNOWN, "no version received");
        last.streamed = true;
        int[] seen = {0};
        try (WatchClient watch = client.watch().nodes(split(nodes)).build()) {
            watch.run(update -> {
                Snapshot s;
                try {
                    s = SnapshotJson.MAPPER.treeToValue(update.state(), Snapshot.class);
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("unreadable version " + update.version(), e);
                }
                last.result = show(s);
                if (count != null && ++seen[0] >= count) {
                    watch.close();
                }
            });
        } catch (WatchClient.WatchException e) {
            return Report.failure(name(), Result.UNKNOWN, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return last;
    }

    private Result show(Snapshot s) {
        Result verdict = Result.OK;
        List<String> problems = new ArrayList<>();
        Table table = new Table("NODE", "STATUS", "LAG_S", "LAG_BYTES", "CONFL/MIN", "REASONS")
                .numeric(2, 3, 4)
                .paint(1, this::paintStatus);
        StringBuilder plain = new StringBuilder();
        for (NodeState n : s.nodes().values()) {
            Result r = Result.of(n.status());
            verdict = verdict.worst(r);
            String unreachable = Nodes.unreachable(n);
            String why = unreachable != null ? unreachable : String.join(", ", n.reasons());
            if (r != Result.OK) {
                problems.add(n.name() + " " + n.status() + (why.isEmpty() ? "" : " (" + why + ")"));
            }
            NodeMetrics m = n.metrics() == null ? NodeMetrics.EMPTY : n.metrics();
            table.row(
                    n.name(),
                    n.status(),
                    Nodes.seconds(m.lagSeconds()),
                    m.lagBytes(),
                    m.conflictCount(),
                    why.isEmpty() ? null : why);
            plain.append(' ')
                    .append(n.name())
                    .append('=')
                    .append(n.status())
                    .append(m.lagSeconds() == null ? "" : "/" + Nodes.seconds(m.lagSeconds()) + "s");
        }
        Result shown = verdict == Result.WARNING && !failOnWarn ? Result.OK : verdict;
        String word = "WATCH " + shown;
        switch (common.format) {
            case json -> {
                ObjectNode o = SnapshotJson.MAPPER.createObjectNode();
                o.put("result", shown.name());
                o.put("exit_code", shown.exitCode);
                o.put("version", s.version());
                o.set("snapshot", SnapshotJson.MAPPER.valueToTree(s));
                io.out().println(o.toString());
            }
            case table -> {
                if (io.tty()) {
                    io.out().print(CLEAR);
                    io.out()
                            .println(paint(shown, word) + ": version " + s.version() + " at "
                                    + Nodes.time(s.collectedAt()) + " (Ctrl-C to stop)");
                    table.render(PgactiveToolsCli.WIDTH).forEach(io.out()::println);
                } else {
                    io.out().println(word + ": version " + s.version() + " " + Nodes.time(s.collectedAt()) + plain);
                }
            }
            case nagios ->
                io.out()
                        .println("PGACTIVE " + word + ": version " + s.version()
                                + (problems.isEmpty() ? "" : " " + String.join("; ", problems)));
        }
        io.out().flush();
        return shown;
    }
}
