package io.pgactive.tools.testing;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.metrics.ReplicationMetrics;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Whether the Prometheus series say what a snapshot says, at the same version: the real {@link ReplicationMetrics}
 * mapping, on its own registry, updated with each version and read back series by series.
 */
public final class MetricsAgreement {

    private static final String LINK_UP = "pgactive.replication.link.up";

    private MetricsAgreement() {}

    /** A check for {@link SnapshotInvariants#withMetrics}: updates fresh metrics with each version and compares. */
    public static Function<PublishedSnapshot, List<String>> check(ToolsConfig config) {
        MeterRegistry registry = new SimpleMeterRegistry();
        ReplicationMetrics metrics = ReplicationMetrics.standalone(registry, config);
        return published -> {
            metrics.update(published);
            return differences(registry, published.snapshot());
        };
    }

    static List<String> differences(MeterRegistry r, Snapshot s) {
        List<String> out = new ArrayList<>();
        same(out, "cluster status", value(r, "pgactive.cluster.status", Tags.empty()), (double)
                s.cluster().status().gauge());
        int links = 0;
        for (NodeState n : s.nodes().values()) {
            Tags node = Tags.of("node", n.name());
            same(out, n.name() + " status", value(r, "pgactive.node.status", node), (double)
                    n.status().gauge());
            same(out, n.name() + " up", value(r, "pgactive.node.up", node), n.consecutiveFailures() == 0 ? 1.0 : 0.0);
            same(
                    out,
                    n.name() + " lag seconds",
                    value(r, "pgactive.node.lag.seconds", node),
                    number(n.metrics().lagSeconds()));
            same(
                    out,
                    n.name() + " lag bytes",
                    value(r, "pgactive.node.lag.bytes", node),
                    number(n.metrics().lagBytes()));
            for (Link l : n.links()) {
                Tags link = node.and(
                        "peer",
                        String.valueOf(l.peer()),
                        "kind",
                        l.kind(),
                        "direction",
                        l.direction(),
                        "slot",
                        l.slot() == null ? "" : l.slot());
                String what = n.name() + " " + l.identity();
                if (l.active() != null) {
                    links++;
                }
                same(out, what + " up", value(r, LINK_UP, link), l.active() == null ? null : l.active() ? 1.0 : 0.0);
                same(
                        out,
                        what + " lag seconds",
                        value(r, "pgactive.replication.lag.seconds", link),
                        number(l.lagSeconds()));
                same(out, what + " lag bytes", value(r, "pgactive.replication.lag.bytes", link), number(l.lagBytes()));
                same(out, what + " lag xid", value(r, "pgactive.replication.lag.xid", link), number(l.lagXid()));
                same(
                        out,
                        what + " stalled",
                        value(r, "pgactive.replication.link.stalled", link),
                        l.stalled() == null ? null : l.stalled() ? 1.0 : 0.0);
            }
        }
        int series = r.find(LINK_UP).gauges().size();
        if (series != links) {
            out.add(series + " link_up series for " + links + " links with a known state");
        }
        return out;
    }

    private static Double value(MeterRegistry r, String name, Tags tags) {
        Gauge g = r.find(name).tags(tags).gauge();
        return g == null ? null : g.value();
    }

    private static Double number(Number n) {
        return n == null ? null : n.doubleValue();
    }

    private static void same(List<String> out, String what, Double actual, Double expected) {
        if (expected == null ? actual != null : actual == null || Math.abs(actual - expected) > 1e-9) {
            out.add(what + ": metric " + actual + ", snapshot " + expected);
        }
    }
}
