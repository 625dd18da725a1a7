package io.pgactive.tools.cli;

import io.pgactive.tools.contract.Conflict;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.sdk.ReplicationStateClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
        name = "conflicts",
        mixinStandardHelpOptions = true,
        description = {
            "Recent pgactive conflicts from the service's ledger, newest first.",
            "With --warn/--crit, a node with at least that many conflicts since --since is a warning/critical;",
            "without them the command only reports (OK)."
        })
final class ConflictsCommand extends PgactiveToolsCli.Check {

    static final int LIMIT = 1000;

    @Option(names = "--node", paramLabel = "NAME", description = "Only these nodes (repeatable, or comma separated).")
    List<String> nodes;

    @Option(names = "--table", paramLabel = "TABLE", description = "Only this table: schema.name or name.")
    String table;

    @Option(
            names = "--since",
            paramLabel = "WHEN",
            defaultValue = "1h",
            converter = Since.class,
            description = "Age (90s, 15m, 2h, 7d) or RFC 3339 time (default: ${DEFAULT-VALUE}).")
    Instant since;

    @Option(
            names = "--warn",
            paramLabel = "COUNT",
            description = "Warning when a node has at least this many conflicts.")
    Integer warn;

    @Option(
            names = "--crit",
            paramLabel = "COUNT",
            description = "Critical when a node has at least this many conflicts.")
    Integer crit;

    @Override
    String name() {
        return "conflicts";
    }

    @Override
    Report check(ReplicationStateClient client) {
        if (warn != null && crit != null && warn > crit) {
            throw new PgactiveToolsCli.UsageException("--warn " + warn + " is above --crit " + crit);
        }
        List<String> wanted = split(nodes);
        List<Conflict> rows = new ArrayList<>();
        if (wanted.isEmpty()) {
            rows.addAll(client.conflicts(null, table, since, LIMIT));
        } else {
            for (String n : wanted) {
                rows.addAll(client.conflicts(n, table, since, LIMIT));
            }
            rows.sort((a, b) -> b.at().compareTo(a.at()));
        }
        Map<String, Integer> counts = new TreeMap<>();
        wanted.forEach(n -> counts.put(n, 0));
        Report r = new Report(name());
        r.table = new Table("TIME_UTC", "NODE", "TYPE", "RESOLUTION", "TABLE", "FROM").fixed(0, 1);
        for (Conflict c : rows) {
            counts.merge(c.node(), 1, Integer::sum);
            r.table.row(
                    Nodes.shortTime(c.at()),
                    c.node(),
                    c.conflictType(),
                    c.resolution(),
                    c.objectName() == null
                            ? null
                            : (c.objectSchema() == null ? "" : c.objectSchema() + ".") + c.objectName(),
                    c.remoteNode());
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            int n = e.getValue();
            if (crit != null && n >= crit) {
                r.result = r.result.worst(Result.CRITICAL);
                problems.add(e.getKey() + " " + n + " conflicts >= critical " + crit);
            } else if (warn != null && n >= warn) {
                r.result = r.result.worst(Result.WARNING);
                problems.add(e.getKey() + " " + n + " conflicts >= warning " + warn);
            }
            r.perfdata.add("'" + e.getKey().replace("'", "") + "_conflicts'=" + n + ";" + (warn == null ? "" : warn)
                    + ";" + (crit == null ? "" : crit) + ";0;");
        }
        r.json.put("since", Nodes.time(since));
        r.json.put("truncated", rows.size() >= LIMIT);
        r.json.putPOJO("counts", counts);
        r.json.set("conflicts", SnapshotJson.MAPPER.valueToTree(rows));
        r.message = problems.isEmpty()
                ? rows.size() + (rows.size() >= LIMIT ? "+" : "") + " conflict" + (rows.size() == 1 ? "" : "s")
                        + " since " + Nodes.time(since)
                : String.join("; ", problems);
        return r;
    }
}
