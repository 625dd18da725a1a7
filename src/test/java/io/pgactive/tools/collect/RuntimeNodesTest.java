package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.snapshot.VersionSequence;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A node scraped for a while (an upgrade's target) lives beside the configured and discovered ones. */
class RuntimeNodesTest {

    final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    static ToolsConfig.NodeConfig node(String name, int port) {
        return new ToolsConfig.NodeConfig(name, Dsn.parse("postgres://u:p@127.0.0.1:" + port + "/app"), "test");
    }

    private Collector collector() {
        ToolsConfig.Collector c = new ToolsConfig.Collector(
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                4,
                Duration.ofSeconds(5),
                Duration.ofSeconds(10),
                Duration.ofMinutes(5),
                Path.of("queries"),
                List.of(node("node1", 5432)),
                Optional.empty(),
                List.of());
        ToolsConfig config = new ToolsConfig(
                Path.of("tools.yaml"),
                c,
                new ToolsConfig.Thresholds(5, 15, 3),
                new ToolsConfig.Server("", 8080),
                new ToolsConfig.Database(Path.of("x.db")));
        VersionSequence versions = new VersionSequence(
                new VersionSequence.Mark() {
                    @Override
                    public long read() {
                        return 0;
                    }

                    @Override
                    public void reserve(long upTo) {}
                },
                10);
        return new Collector(config, List.of(), vertx, new SnapshotBus(), versions, stats -> {});
    }

    private static List<String> names(Collector c) {
        return c.nodes().stream().map(ToolsConfig.NodeConfig::name).toList();
    }

    @Test
    void aRuntimeNodeSurvivesDiscoveryAndLeavesWhenRemoved() {
        Collector c = collector();
        c.putRuntimeNode(node("node1-pg18", 5433));
        assertThat(names(c)).containsExactlyInAnyOrder("node1", "node1-pg18");

        c.setNodes(List.of(node("node1", 5432), node("node2", 5434))); // discovery's refresh
        assertThat(names(c)).containsExactlyInAnyOrder("node1", "node2", "node1-pg18");

        c.putRuntimeNode(node("node1-pg18", 5435)); // the target moved: its new DSN is used
        assertThat(c.nodes())
                .filteredOn(n -> n.name().equals("node1-pg18"))
                .singleElement()
                .satisfies(n -> assertThat(n.dsn().port()).isEqualTo(5435));

        c.removeRuntimeNode("node1-pg18");
        assertThat(names(c)).containsExactlyInAnyOrder("node1", "node2");
        c.removeRuntimeNode("node1-pg18"); // twice is fine
        assertThat(names(c)).containsExactlyInAnyOrder("node1", "node2");
    }

    @Test
    void aConfiguredNodeWinsOverARuntimeNodeOfTheSameName() {
        Collector c = collector();
        c.putRuntimeNode(node("node1", 6000));
        assertThat(c.nodes())
                .singleElement()
                .satisfies(n -> assertThat(n.dsn().port()).isEqualTo(5432));
    }
}
