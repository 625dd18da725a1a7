package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;
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
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Native logical replication as a new user sets it up: publisher node1, subscriber node2 with two subscriptions to
 * it, one of them connecting through {@code localhost} while the configuration says {@code 127.0.0.1}.
 */
class LogicalLinkTest {

    private static PgCluster cluster;
    private static PgNode pub;
    private static PgNode sub;
    private static CollectorHarness harness;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("logical-link");
        cluster = PgCluster.standalone(2, dir.resolve("cluster"));
        pub = cluster.node("node1");
        sub = cluster.node("node2");
        for (PgNode n : List.of(pub, sub)) {
            n.createTable("ta", "id int PRIMARY KEY, v text");
            n.createTable("tb", "id int PRIMARY KEY, v text");
        }
        pub.publish("pub_a", "ta");
        pub.publish("pub_b", "tb");
        sub.subscribe("sub_a", pub, "pub_a", false);
        sub.subscribe("sub_b", pub, "pub_b", false);
        sub.execute("DO $$ BEGIN EXECUTE format('ALTER SUBSCRIPTION sub_b CONNECTION %L', (SELECT replace(subconninfo,"
                + " 'host=127.0.0.1', 'host=localhost') FROM pg_subscription WHERE subname = 'sub_b')); END $$");
        await().atMost(Duration.ofSeconds(60)).until(() -> pub.slotActive("sub_a") && pub.slotActive("sub_b"));
        harness = new CollectorHarness(dir.resolve("svc"), """
                interval: 1s
                timeout: 800ms
                stall_after: 2s
                """, cluster.nodes());
        harness.checkingInvariants().awaitAllHealthy();
    }

    @AfterAll
    static void stop() throws Exception {
        CollectorHarness.stop(harness, cluster);
    }

    private static Link link(Snapshot s, String node, String direction, String slot) {
        return s.nodes().get(node).links().stream()
                .filter(l -> l.kind().equals("logical") && l.direction().equals(direction) && slot.equals(l.slot()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no logical " + direction + " link " + slot + " on " + node));
    }

    @Test
    void twoSubscriptionsAreTwoIdentifiableLinksNamedAfterThePublisher() {
        Snapshot s = harness.cycle();
        for (String slot : List.of("sub_a", "sub_b")) {
            assertThat(link(s, "node1", Link.OUTBOUND, slot).peer()).isEqualTo("node2");
            Link in = link(s, "node2", Link.INBOUND, slot);
            assertThat(in.peer())
                    .as("resolved from the subscription's conninfo")
                    .isEqualTo("node1");
            assertThat(in.lagBytes()).isNotNull();
            assertThat(in.lagSeconds()).isNotNull();
            assertThat(in.stalled()).isNotNull();
            assertThat(link(s, "node1", Link.OUTBOUND, slot).lagXid())
                    .as("age of the slot's catalog_xmin")
                    .isNotNull();
        }
    }

    @Test
    void aDisabledSubscriptionStallsOnBothEndsWhileTheOtherFlows() {
        sub.disableSubscription("sub_b");
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(harness.interval())
                    .untilAsserted(() -> {
                        pub.execute(
                                "INSERT INTO tb SELECT coalesce(max(id), 0) + 1, 'while sub_b is disabled' FROM tb");
                        pub.execute("INSERT INTO ta SELECT coalesce(max(id), 0) + 1, 'flows' FROM ta");
                        Snapshot s = harness.cycle();
                        Link out = link(s, "node1", Link.OUTBOUND, "sub_b");
                        assertThat(out.active()).isFalse();
                        assertThat(out.lagBytes()).isPositive();
                        assertThat(out.stalled()).isTrue();
                        Link in = link(s, "node2", Link.INBOUND, "sub_b");
                        assertThat(in.state()).isEqualTo("disabled");
                        assertThat(in.lagBytes()).isPositive();
                        assertThat(in.lagSeconds()).isGreaterThanOrEqualTo(2.0);
                        assertThat(in.stalled()).isTrue();
                        assertThat(link(s, "node1", Link.OUTBOUND, "sub_a").stalled())
                                .isFalse();
                        assertThat(link(s, "node2", Link.INBOUND, "sub_a").stalled())
                                .isFalse();
                    });
        } finally {
            sub.enableSubscription("sub_b");
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(harness.interval()).untilAsserted(() -> {
            Snapshot s = harness.cycle();
            assertThat(link(s, "node2", Link.INBOUND, "sub_b").lagBytes()).isZero();
            assertThat(link(s, "node1", Link.OUTBOUND, "sub_b").lagBytes()).isZero();
        });
    }

    @Test
    void risingApplyErrorsDegradeTheSubscriberAndAreNamedInItsEvents() {
        Snapshot before = harness.cycle();
        sub.execute("INSERT INTO ta VALUES (100000, 'local row in the way')");
        pub.execute("INSERT INTO ta VALUES (100000, 'conflicts on apply')");
        try {
            AtomicReference<Snapshot> degraded = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(harness.interval())
                    .untilAsserted(() -> {
                        Snapshot s = harness.cycle();
                        NodeState n = s.nodes().get("node2");
                        assertThat(n.status()).isEqualTo(NodeStatus.DEGRADED);
                        assertThat(n.reasons())
                                .anyMatch(
                                        r -> r.contains("logical inbound link node1 (slot sub_a) apply errors rising"));
                        degraded.set(s);
                    });
            EventDeriver deriver = new EventDeriver(5, 15, 3);
            List<Event> events =
                    deriver.derive(deriver.facts(before), before.cluster().status(), degraded.get());
            assertThat(events)
                    .anyMatch(e -> e.type() == EventType.STATUS
                            && "node2".equals(e.node())
                            && e.details() != null
                            && e.details().contains("apply errors rising"));
        } finally {
            sub.execute("DELETE FROM ta WHERE id = 100000");
        }
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(harness.interval())
                .untilAsserted(() -> assertThat(harness.node("node2").status()).isEqualTo(NodeStatus.HEALTHY));
    }
}
