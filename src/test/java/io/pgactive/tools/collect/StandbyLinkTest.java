package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.EventType;
import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.store.EventDeriver;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A primary with two standbys: {@code replica} streams through a slot, {@code bare} without one (as a plain
 * pg_basebackup standby does). What each end of a link reports must agree, when idle, when replay stops, and when a
 * standby dies.
 */
class StandbyLinkTest {

    private static PgCluster cluster;
    private static PgNode primary;
    private static PgNode replica;
    private static PgNode bare;
    private static CollectorHarness harness;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("standby-link");
        cluster = PgCluster.empty(dir.resolve("cluster"));
        primary = cluster.addNode("primary");
        primary.execute("CREATE TABLE t (id serial PRIMARY KEY, v text); INSERT INTO t (v) VALUES ('before backup')");
        replica = cluster.add(primary.createStandby("replica"));
        bare = cluster.add(primary.createStandby("bare"));
        bare.execute("ALTER SYSTEM SET primary_slot_name = ''");
        bare.execute("SELECT pg_reload_conf()");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> primary.queryLong(
                                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'bare_slot' AND NOT active")
                        == 1);
        primary.execute("SELECT pg_drop_replication_slot('bare_slot')");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> primary.queryLong(
                                "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'bare' AND state = 'streaming'")
                        == 1);
        harness = new CollectorHarness(dir.resolve("svc"), """
                interval: 1s
                timeout: 800ms
                stall_after: 30s
                backoff_max: 1s
                """, cluster.nodes());
        harness.checkingInvariants().awaitAllHealthy();
    }

    @AfterAll
    static void stop() throws Exception {
        CollectorHarness.stop(harness, cluster);
    }

    private static Optional<Link> link(Snapshot s, String node, String direction, String peer) {
        return s.nodes().get(node).links().stream()
                .filter(l -> l.kind().equals("streaming") && l.direction().equals(direction) && peer.equals(l.peer()))
                .findFirst();
    }

    @Test
    void aStandbysOwnLagIsPositionBasedAndAgreesWithItsPrimary() {
        // idle long enough that "now - last replayed transaction" is far above the warning threshold
        await().during(Duration.ofSeconds(8))
                .atMost(Duration.ofSeconds(30))
                .pollInterval(harness.interval())
                .until(() -> {
                    Snapshot s = harness.cycle();
                    Link in = link(s, "replica", Link.INBOUND, "primary").orElseThrow();
                    return in.lagSeconds() == 0.0
                            && s.nodes().get("replica").metrics().replayDelaySeconds() == 0.0;
                });
        replica.execute("SELECT pg_wal_replay_pause()");
        try {
            Instant written = Instant.now();
            primary.execute("INSERT INTO t (v) VALUES ('while replay is paused')");
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(harness.interval())
                    .untilAsserted(() -> {
                        Snapshot s = harness.cycle();
                        Link out = link(s, "primary", Link.OUTBOUND, "replica").orElseThrow();
                        Link in = link(s, "replica", Link.INBOUND, "primary").orElseThrow();
                        double sinceWrite =
                                Duration.between(written, Instant.now()).toMillis() / 1000.0;
                        assertThat(out.lagSeconds()).isGreaterThanOrEqualTo(2.0);
                        assertThat(in.lagSeconds())
                                .as("the standby's own view")
                                .isCloseTo(out.lagSeconds(), within(1.5))
                                .isLessThanOrEqualTo(sinceWrite + 1.0);
                        assertThat(in.lagBytes()).isPositive();
                        NodeState standby = s.nodes().get("replica");
                        assertThat(standby.metrics().replayDelaySeconds()).isEqualTo(in.lagSeconds());
                        assertThat(standby.status()).isEqualTo(NodeStatus.HEALTHY);
                    });
        } finally {
            replica.execute("SELECT pg_wal_replay_resume()");
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(harness.interval()).untilAsserted(() -> {
            Snapshot s = harness.cycle();
            assertThat(link(s, "replica", Link.INBOUND, "primary").orElseThrow().lagSeconds())
                    .isZero();
            assertThat(link(s, "primary", Link.OUTBOUND, "replica")
                            .orElseThrow()
                            .lagSeconds())
                    .isZero();
        });
    }

    @Test
    void aStandbyWithoutSlotThatDiesStaysAsAnInactiveLinkWithGrowingLag() {
        Snapshot before = harness.cycle();
        assertThat(link(before, "primary", Link.OUTBOUND, "bare")).get().satisfies(l -> {
            assertThat(l.active()).isTrue();
            assertThat(l.slot()).isNull();
        });
        assertThat(before.nodes().get("primary").metrics().walsenderActive()).isTrue();
        bare.kill();
        try {
            AtomicReference<Double> firstLag = new AtomicReference<>();
            AtomicReference<Snapshot> lost = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(harness.interval())
                    .untilAsserted(() -> {
                        primary.execute("INSERT INTO t (v) VALUES ('while bare is gone')");
                        Snapshot s = harness.cycle();
                        Link l = link(s, "primary", Link.OUTBOUND, "bare").orElseThrow();
                        lost.compareAndSet(null, s);
                        assertThat(l.active()).isFalse();
                        assertThat(l.state()).isEqualTo("disconnected");
                        assertThat(l.lagBytes()).isPositive();
                        firstLag.compareAndSet(null, l.lagSeconds());
                        assertThat(l.lagSeconds()).isGreaterThan(firstLag.get());
                        NodeState p = s.nodes().get("primary");
                        assertThat(p.metrics().walsenderActive()).isFalse();
                        assertThat(p.status()).isEqualTo(NodeStatus.DEGRADED);
                        assertThat(p.reasons()).anyMatch(r -> r.contains("streaming outbound link bare inactive"));
                        assertThat(s.cluster().maxLagSeconds()).isGreaterThanOrEqualTo(l.lagSeconds());
                    });
            EventDeriver deriver = new EventDeriver(5, 15, 3);
            List<Event> events =
                    deriver.derive(deriver.facts(before), before.cluster().status(), lost.get());
            assertThat(events)
                    .anyMatch(e ->
                            e.type() == EventType.WALSENDER && "primary".equals(e.node()) && "down".equals(e.to()));
            // the slot-backed standby is unaffected
            assertThat(link(harness.cycle(), "primary", Link.OUTBOUND, "replica"))
                    .get()
                    .satisfies(l -> assertThat(l.active()).isTrue());
        } finally {
            bare.start();
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(harness.interval()).untilAsserted(() -> {
            Snapshot s = harness.cycle();
            Link l = link(s, "primary", Link.OUTBOUND, "bare").orElseThrow();
            assertThat(l.active()).isTrue();
            assertThat(s.nodes().get("primary").links().stream()
                            .filter(x ->
                                    "bare".equals(x.peer()) && x.direction().equals(Link.OUTBOUND)))
                    .hasSize(1);
        });
    }
}
