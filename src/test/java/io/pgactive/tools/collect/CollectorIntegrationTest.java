package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The collector against a real cluster: node1 and node2 in bidirectional logical replication, node3 a physical
 * standby of node1 (PostgreSQL 18). Cycles are driven by hand so that counts are exact; time still passes for real.
 */
class CollectorIntegrationTest {

    private static PgCluster cluster;
    private static Path dir;
    private static CollectorHarness harness;

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("collector-it");
        cluster = PgCluster.demo(dir.resolve("cluster"));
        harness = new CollectorHarness(dir.resolve("svc"), """
                interval: 1s
                timeout: 800ms
                stall_after: 2s
                backoff_max: 1s
                """, cluster.nodes());
        harness.checkingInvariants().awaitAllHealthy();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        CollectorHarness.stop(harness, cluster);
    }

    private static Optional<Link> link(NodeState node, String kind, String direction, String peer) {
        return node.links().stream()
                .filter(l -> l.kind().equals(kind) && l.direction().equals(direction) && peer.equals(l.peer()))
                .findFirst();
    }

    @Test
    void streamingPrimaryAndStandbyAreSeenFromBothSides() {
        Snapshot s = harness.cycle();
        NodeState primary = s.nodes().get("node1");
        NodeState standby = s.nodes().get("node3");
        assertThat(primary.roles()).contains("primary", "publisher", "subscriber");
        assertThat(link(primary, "streaming", Link.OUTBOUND, "node3")).get().satisfies(l -> {
            assertThat(l.active()).isTrue();
            assertThat(l.state()).isEqualTo("streaming");
            assertThat(l.syncState()).isEqualTo("async");
            assertThat(l.lagBytes()).isNotNull().isGreaterThanOrEqualTo(0);
            assertThat(l.replayLsn()).matches("[0-9A-F]+/[0-9A-F]+");
        });
        assertThat(standby.roles()).contains("standby");
        assertThat(standby.metrics().inRecovery()).isTrue();
        assertThat(standby.metrics().walReceiverActive()).isTrue();
        assertThat(link(standby, "streaming", Link.INBOUND, "node1"))
                .get()
                .satisfies(l -> assertThat(l.active()).isTrue());
        assertThat(primary.serverVersion()).startsWith("18");
    }

    @Test
    void bidirectionalLogicalLinksAreNamedAfterTheNodes() {
        NodeState node1 = harness.node("node1");
        assertThat(link(node1, "logical", Link.OUTBOUND, "node2"))
                .get()
                .satisfies(l -> assertThat(l.active()).isTrue());
        assertThat(link(node1, "logical", Link.INBOUND, "node2")).get().satisfies(l -> {
            assertThat(l.active()).isTrue();
            assertThat(l.state()).isEqualTo("streaming");
            assertThat(l.applyErrors()).isZero();
            assertThat(l.conflicts()).isZero(); // PostgreSQL 18 counts apply conflicts per subscription
        });
        assertThat(node1.metrics().conflictsByType()).containsKey("insert_exists");
    }

    @Test
    void idleClusterReadsZeroLag() {
        await().atMost(Duration.ofSeconds(30)).pollInterval(harness.interval()).untilAsserted(() -> {
            Snapshot s = harness.cycle();
            for (String name : List.of("node1", "node2", "node3")) {
                NodeState n = s.nodes().get(name);
                assertThat(n.status()).as(name + " " + n.reasons()).isEqualTo(NodeStatus.HEALTHY);
                assertThat(n.metrics().lagSeconds()).as(name).isZero();
                assertThat(n.metrics().lagBytes()).as(name).isZero();
            }
        });
        // and it stays 0 while nothing is written: no "time since last replayed transaction" creeping up
        for (int i = 0; i < 6; i++) {
            assertThat(harness.node("node1").metrics().lagSeconds()).isZero();
        }
    }

    @Test
    void stalledLinkIsFlaggedAndItsLagGrowsThenRecovers() {
        PgNode node1 = cluster.node("node1");
        PgNode node2 = cluster.node("node2");
        node2.disableSubscription(PgCluster.SUB_NODE2_FROM_NODE1);
        try {
            AtomicReference<Double> firstLag = new AtomicReference<>();
            AtomicReference<Long> firstBytes = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(harness.interval())
                    .untilAsserted(() -> {
                        PgCluster.insertEvent(node1, "while node2 does not apply");
                        NodeState n = harness.node("node1");
                        Link l = link(n, "logical", Link.OUTBOUND, "node2").orElseThrow();
                        assertThat(l.active()).isFalse();
                        assertThat(l.lagBytes()).isPositive();
                        firstBytes.compareAndSet(null, l.lagBytes());
                        firstLag.compareAndSet(null, l.lagSeconds());
                        assertThat(l.stalled()).isTrue();
                        assertThat(l.lagSeconds()).isGreaterThanOrEqualTo(2.0);
                        assertThat(n.status()).isEqualTo(NodeStatus.DEGRADED);
                        assertThat(n.reasons()).anyMatch(r -> r.contains("logical outbound link node2"));
                    });
            NodeState later = harness.node("node1");
            Link l = link(later, "logical", Link.OUTBOUND, "node2").orElseThrow();
            assertThat(l.lagBytes()).isGreaterThan(firstBytes.get());
            assertThat(l.lagSeconds()).isGreaterThan(firstLag.get());
            assertThat(later.metrics().lagSeconds()).isGreaterThanOrEqualTo(l.lagSeconds());
        } finally {
            node2.enableSubscription(PgCluster.SUB_NODE2_FROM_NODE1);
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(harness.interval()).untilAsserted(() -> {
            Link l = link(harness.node("node1"), "logical", Link.OUTBOUND, "node2")
                    .orElseThrow();
            assertThat(l.active()).isTrue();
            assertThat(l.lagBytes()).isZero();
            assertThat(l.lagSeconds()).isZero();
            assertThat(l.stalled()).isFalse();
        });
    }

    @Test
    void frozenNodeTimesOutWithoutDelayingTheOthers() {
        PgNode standby = cluster.node("node3");
        Snapshot before = harness.cycle();
        standby.freeze();
        try {
            for (int i = 1; i <= 3; i++) {
                Snapshot s = harness.cycle();
                NodeState frozen = s.nodes().get("node3");
                assertThat(frozen.errorClass()).isEqualTo("timeout");
                // the first query hangs on the connection it had; the next attempts find the login to a fresh one
                // still waiting for the frozen server (kept, not started again, so no login piles up on it)
                assertThat(frozen.error())
                        .isEqualTo(i == 1 ? "no answer within 800ms" : "no answer within 800ms (still logging in)");
                assertThat(frozen.consecutiveFailures()).isEqualTo(i);
                // the others are fresh in the very same snapshot
                assertThat(s.nodes().get("node1").readAt())
                        .isAfter(before.nodes().get("node1").readAt());
                assertThat(s.nodes().get("node2").error()).isNull();
                // the cycle ended at the deadline, not when the frozen node answered (it never does)
                assertThat(harness.cycles.get(harness.cycles.size() - 1).cycleNanos())
                        .isLessThan(harness.interval().toNanos() * 4);
            }
            assertThat(harness.node("node3").status()).isEqualTo(NodeStatus.DEGRADED);
            // seen from the primary, the frozen standby keeps its WAL sender connection but stops replaying:
            // the link stays "active", so only the position history can tell that it is stalled
            PgNode primary = cluster.node("node1");
            AtomicReference<Double> firstLag = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(harness.interval())
                    .untilAsserted(() -> {
                        PgCluster.insertEvent(primary, "while node3 is frozen");
                        Link l = link(harness.node("node1"), "streaming", Link.OUTBOUND, "node3")
                                .orElseThrow();
                        assertThat(l.lagBytes()).isPositive();
                        firstLag.compareAndSet(null, l.lagSeconds());
                        assertThat(l.stalled()).isTrue();
                        assertThat(l.lagSeconds()).isGreaterThan(firstLag.get());
                    });
        } finally {
            standby.thaw();
        }
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(harness.interval())
                .untilAsserted(() -> assertThat(harness.node("node3").status()).isEqualTo(NodeStatus.HEALTHY));
    }
}
