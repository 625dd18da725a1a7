package io.pgactive.tools.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pgactive.tools.config.ConfigLoader;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.testing.Snapshots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Series are updated in place while the snapshot keeps its nodes and links, and follow the nodes that come and go:
 * the cycle's cost must not include registering meters, and a node that leaves must not leave stale rows.
 */
class ReplicationMetricsSeriesTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Meter.Id> added = new ArrayList<>();
    private final List<Meter.Id> removed = new ArrayList<>();

    @Test
    void aNodeAddsAndRemovesItsRowsAndASteadyClusterRegistersNothing(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("tools.yaml");
        Files.writeString(
                conf, "collector:\n  nodes:\n    - name: a\n      dsn: postgresql://m@127.0.0.1:1/postgres\n");
        ToolsConfig config = new ConfigLoader(Map.of()).load(conf);
        ReplicationMetrics metrics = ReplicationMetrics.standalone(registry, config);
        registry.config().onMeterAdded(m -> added.add(m.getId())).onMeterRemoved(m -> removed.add(m.getId()));
        Snapshots cluster = new Snapshots(Instant.parse("2026-12-01T00:00:00Z"), 1, "a", "b").mesh();

        metrics.update(cluster.next());
        assertThat(nodesWithStatus()).containsExactlyInAnyOrder("a", "b");
        assertThat(linkRows("b")).isNotEmpty();

        // new values, same nodes and links: nothing registered or removed
        added.clear();
        cluster.node("a").lag = 9.5;
        cluster.node("b").conflictsMinute = 3;
        metrics.update(cluster.next());
        metrics.update(cluster.next());
        assertThat(added).isEmpty();
        assertThat(removed).isEmpty();
        assertThat(registry.get("pgactive.node.lag.seconds")
                        .tag("node", "a")
                        .gauge()
                        .value())
                .isEqualTo(9.5);

        // b leaves: every row labelled with it goes, and a's link to it too
        cluster.nodes.remove("b");
        cluster.node("a").peers = List.of();
        metrics.update(cluster.next());
        assertThat(nodesWithStatus()).containsExactly("a");
        assertThat(linkRows("b")).isEmpty();
        assertThat(removed).isNotEmpty();

        // c joins: its rows appear
        cluster.add("c");
        metrics.update(cluster.next());
        assertThat(nodesWithStatus()).containsExactlyInAnyOrder("a", "c");
        assertThat(registry.get("pgactive.node.up").tag("node", "c").gauge().value())
                .isEqualTo(1.0);
    }

    private List<String> nodesWithStatus() {
        return registry.find("pgactive.node.status").gauges().stream()
                .map(g -> g.getId().getTag("node"))
                .toList();
    }

    /** Rows of any meter that name {@code node}, as the node or as a link's peer. */
    private List<Meter.Id> linkRows(String node) {
        return registry.getMeters().stream()
                .map(Meter::getId)
                .filter(id -> node.equals(id.getTag("peer"))
                        || (node.equals(id.getTag("node")) && id.getName().startsWith("pgactive.replication.")))
                .toList();
    }
}
