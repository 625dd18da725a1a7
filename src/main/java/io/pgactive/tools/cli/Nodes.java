package io.pgactive.tools.cli;

import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Node selection and the formatting the commands share. */
final class Nodes {

    private Nodes() {}

    static List<NodeState> select(Snapshot s, List<String> names) {
        if (names.isEmpty()) {
            return new ArrayList<>(s.nodes().values());
        }
        List<NodeState> out = new ArrayList<>();
        for (String n : names) {
            NodeState node = s.nodes().get(n);
            if (node == null) {
                throw new PgactiveToolsCli.NoSuchNode("no such node '" + n + "' (known: "
                        + String.join(", ", s.nodes().keySet()) + ")");
            }
            out.add(node);
        }
        return out;
    }

    /** Why a node cannot be judged, or null when it can. Says "node unreachable" as opposed to the service. */
    static String unreachable(NodeState n) {
        if (n.status() != NodeStatus.DOWN && n.status() != NodeStatus.UNKNOWN) {
            return null;
        }
        if (n.error() == null) {
            return n.status() == NodeStatus.DOWN ? "node unreachable" : "node not scraped yet";
        }
        return "node unreachable: " + n.error();
    }

    static String seconds(Double s) {
        return s == null ? null : String.format(Locale.ROOT, "%.1f", s);
    }

    static String time(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static final DateTimeFormatter SHORT =
            DateTimeFormatter.ofPattern("MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    /** For table cells under a {@code TIME_UTC} header: the year is rarely news. */
    static String shortTime(Instant t) {
        return t == null ? null : SHORT.format(t);
    }

    static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
