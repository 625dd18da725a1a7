package io.pgactive.tools.collect;

import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.pgactive.tools.config.ConfigLoader;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.snapshot.VersionSequence;
import io.pgactive.tools.store.HistoryDb;
import io.pgactive.tools.testing.MetricsAgreement;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.SnapshotInvariants;
import io.vertx.core.VertxOptions;
import io.vertx.mutiny.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link Collector} over real nodes, driven cycle by cycle so tests can count cycles exactly. Built from a real
 * tools.yaml through {@link ConfigLoader}, like the service.
 */
final class CollectorHarness implements AutoCloseable {

    final Vertx vertx;
    final SnapshotBus bus = new SnapshotBus();
    final Collector collector;
    final List<Collector.CycleStats> cycles = new ArrayList<>();
    final ToolsConfig config;
    final HistoryDb db;
    private SnapshotInvariants invariants;

    CollectorHarness(Path dir, String collectorYaml, List<PgNode> nodes) {
        this(dir, collectorYaml, nodes, Map.of());
    }

    CollectorHarness(Path dir, String collectorYaml, List<PgNode> nodes, Map<String, String> dsnOverrides) {
        this(dir, collectorYaml, nodes, dsnOverrides, TracerProvider.noop().get("test"));
    }

    CollectorHarness(
            Path dir, String collectorYaml, List<PgNode> nodes, Map<String, String> dsnOverrides, Tracer tracer) {
        this(dir, collectorYaml, nodes, dsnOverrides, tracer, new VertxOptions());
    }

    /** @param vertxOptions for tests that need to know which event loop runs what (e.g. one loop, blocked on purpose) */
    CollectorHarness(
            Path dir,
            String collectorYaml,
            List<PgNode> nodes,
            Map<String, String> dsnOverrides,
            Tracer tracer,
            VertxOptions vertxOptions) {
        StringBuilder yaml = new StringBuilder("collector:\n")
                .append(collectorYaml.indent(2))
                .append("  nodes:\n");
        for (PgNode n : nodes) {
            yaml.append("    - name: ")
                    .append(n.name())
                    .append('\n')
                    .append("      dsn: \"")
                    .append(dsnOverrides.getOrDefault(n.name(), n.dsn()))
                    .append("\"\n");
        }
        yaml.append("thresholds: { lag_seconds_warn: 5, lag_seconds_crit: 15, conflicts_warn: 3/min }\n")
                .append("database: { path: ")
                .append(dir.resolve("data/replication_state.db"))
                .append(" }\n");
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("tools.yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        config = new ConfigLoader(Map.of()).load(dir.resolve("tools.yaml"));
        vertx = Vertx.vertx(vertxOptions);
        db = HistoryDb.open(config.database().path());
        collector = new Collector(
                config,
                config.collector().queries(),
                vertx,
                bus,
                new VersionSequence(db.versionMark(0), 1000),
                cycles::add,
                tracer);
    }

    /**
     * Checks every version published from now on against the snapshot invariants and the metrics at the same
     * version; {@link #stop} fails on the first violation.
     */
    CollectorHarness checkingInvariants() {
        invariants = SnapshotInvariants.following(
                        bus,
                        config.collector().nodes().stream()
                                .map(ToolsConfig.NodeConfig::name)
                                .toList())
                .withMetrics(MetricsAgreement.check(config));
        return this;
    }

    /** Waits until every node is HEALTHY: the first cycles of a cold JVM load the whole client stack. */
    CollectorHarness awaitAllHealthy() {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> cycle().nodes().values().stream().allMatch(n -> n.status() == NodeStatus.HEALTHY));
        return this;
    }

    /** Fails if a version published since {@link #checkingInvariants()} broke an invariant. */
    void assertInvariants() {
        if (invariants != null) {
            invariants.assertNoViolation();
        }
    }

    /**
     * Stops the collector, then the cluster it watched (either may be null when the set-up failed early), then fails
     * if a version published meanwhile broke an invariant.
     */
    static void stop(CollectorHarness harness, AutoCloseable cluster) throws Exception {
        if (harness != null) {
            harness.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (harness != null) {
            harness.assertInvariants();
        }
    }

    Snapshot cycle() {
        PublishedSnapshot p = collector
                .runCycle()
                .await()
                .atMost(config.collector().interval().plusSeconds(15));
        return p.snapshot();
    }

    NodeState node(String name) {
        return cycle().nodes().get(name);
    }

    Duration interval() {
        return config.collector().interval();
    }

    @Override
    public void close() {
        if (invariants != null) {
            invariants.close();
        }
        collector.stop();
        vertx.closeAndAwait();
        db.close();
    }
}
