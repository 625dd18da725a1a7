package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.TracerProvider;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.StandaloneCluster;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The service's own stalls and its slow custom queries are not the node's failures. */
class ServiceStallTest {

    @RegisterExtension
    static final StandaloneCluster pg = new StandaloneCluster();

    /** Blocks the only event loop for {@code duration}, as a cold JVM or a long pause would; returns once it is blocked. */
    private static void blockEventLoop(CollectorHarness h, Duration duration) throws InterruptedException {
        CountDownLatch blocked = new CountDownLatch(1);
        h.vertx.getDelegate().runOnContext(v -> {
            blocked.countDown();
            long until = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < until) {
                LockSupport.parkNanos(until - System.nanoTime());
            }
        });
        assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aBlockedEventLoopIsTheServicesLatenessNotANodeFailure() throws Exception {
        PgNode node = pg.node();
        VertxOptions oneLoop = new VertxOptions()
                .setEventLoopPoolSize(1)
                .setMaxEventLoopExecuteTime(10)
                .setMaxEventLoopExecuteTimeUnit(TimeUnit.SECONDS);
        try (CollectorHarness h = new CollectorHarness(
                        pg.dir().resolve("blocked"),
                        "interval: 1s\ntimeout: 500ms\nbackoff_max: 1s\n",
                        List.of(node),
                        Map.of(),
                        TracerProvider.noop().get("test"),
                        oneLoop)
                .checkingInvariants()) {
            h.awaitAllHealthy();
            for (int i = 0; i < 3; i++) {
                blockEventLoop(h, Duration.ofMillis(2000));
                Snapshot s = h.cycle();
                NodeState n = s.nodes().get("node1");
                assertThat(n.error()).as("cycle %d", i).isNull();
                assertThat(n.consecutiveFailures()).isZero();
                assertThat(n.status()).isEqualTo(NodeStatus.HEALTHY);
                // at least the part of the block that outlasted the node's deadline is the service's, not the node's
                assertThat(h.cycles.get(h.cycles.size() - 1).lateNanos())
                        .as("the service's own lateness is reported")
                        .isGreaterThan(Duration.ofMillis(500).toNanos());
            }
            // a node that really does not answer still fails at its deadline
            node.freeze();
            try {
                Snapshot s = h.cycle();
                assertThat(s.nodes().get("node1").errorClass()).isEqualTo("timeout");
                assertThat(s.nodes().get("node1").error()).isEqualTo("no answer within 500ms");
            } finally {
                node.thaw();
            }
            h.awaitAllHealthy();
            h.assertInvariants();
        }
    }

    @Test
    void aSlowOrOversizedCustomQueryMarksOnlyItsMetric() throws Exception {
        Path svc = pg.dir().resolve("custom");
        Path queries = svc.resolve("queries");
        Files.createDirectories(queries);
        Files.writeString(queries.resolve("answer.sql"), "-- values: n:gauge\nSELECT 42 AS n");
        // runs last (by name): a slow query leaves the ones after it no time, which is right but not what is tested
        // here
        Files.writeString(
                queries.resolve("zz_slow.sql"), "-- values: n:gauge\n-- timeout: 30s\nSELECT 1 AS n FROM pg_sleep(3)");
        Files.writeString(queries.resolve("capped.sql"), """
                -- labels: g
                -- values: n:gauge
                -- max_rows: 5
                SELECT g::text AS g, g AS n FROM generate_series(1, 10) g -- a trailing comment
                """);
        Files.writeString(queries.resolve("wide.sql"), """
                -- labels: g
                -- values: n:gauge
                SELECT g::text AS g, g AS n FROM generate_series(1, 501) g
                """);
        Files.writeString(queries.resolve("fits.sql"), """
                -- labels: g
                -- values: n:gauge
                SELECT g::text AS g, g AS n FROM generate_series(1, 500) g ORDER BY g
                """);
        try (CollectorHarness h = new CollectorHarness(svc, "interval: 1s\ntimeout: 800ms\n", List.of(pg.node()))) {
            h.awaitAllHealthy();
            for (int i = 0; i < 3; i++) {
                NodeState n = h.node("node1");
                assertThat(n.error()).isNull();
                assertThat(n.consecutiveFailures()).isZero();
                assertThat(n.status()).isEqualTo(NodeStatus.HEALTHY);
                assertThat(n.custom()).containsEntry("answer", 42L);
                assertThat(n.custom().get("zz_slow")).isNull();
                assertThat(n.customErrors()).containsKey("zz_slow").doesNotContainKeys("answer", "fits");
                assertThat(n.customErrors().get("capped")).isEqualTo("returned more than 5 rows (max_rows)");
                assertThat(n.customErrors().get("wide")).isEqualTo("returned more than 500 rows (max_rows)");
                assertThat(n.custom().get("fits")).asList().hasSize(500);
            }
        }
    }
}
