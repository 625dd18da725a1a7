package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.PgactiveFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pgactive dialect against the catalog fixture (2.1.9 and the legacy 2.1.3 view) on real servers. */
class PgactiveDialectTest {

    private static final String SYSID_A = "7000000000000000001";
    private static final String SYSID_B = "7000000000000000002";
    private static PgCluster cluster;
    private static Path dir;
    private static PgactiveFixture a;
    private static PgactiveFixture b;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("pgactive-dialect");
        cluster = PgCluster.standalone(2, dir.resolve("cluster"));
        a = cluster.node("node1").installPgactiveFixture(SYSID_A, "node1");
        b = cluster.node("node2").installPgactiveFixture(SYSID_B, "node2", PgactiveFixture.Catalog.LEGACY_2_1_3);
        a.addPeer(b);
        b.addPeer(a);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static CollectorHarness harness(String name) {
        CollectorHarness h = new CollectorHarness(
                dir.resolve(name), "interval: 1s\n", List.of(cluster.node("node1"), cluster.node("node2")));
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(h.cycle().nodes().values())
                        .allSatisfy(n -> assertThat(n.error()).as(n.name()).isNull()));
        return h;
    }

    @Test
    void lagInfoGivesOutboundLinksAndAppliedInfoGivesInbound() {
        a.setLag(PgactiveFixture.LagRow.of("node2", SYSID_B, 512, 4096));
        a.setApplied(
                SYSID_B, b.dboid(), 1234, Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:01Z"));
        try (CollectorHarness h = harness("lag")) {
            NodeState n = h.node("node1");
            assertThat(n.roles()).contains("pgactive");
            assertThat(n.pgactiveVersion()).startsWith("2.1.9");
            Link out = n.links().stream()
                    .filter(l -> l.kind().equals("pgactive") && l.direction().equals(Link.OUTBOUND))
                    .findFirst()
                    .orElseThrow();
            assertThat(out.peer()).isEqualTo("node2");
            assertThat(out.active()).isTrue();
            assertThat(out.pendingWalDecoding()).isEqualTo(512);
            assertThat(out.pendingWalToApply()).isEqualTo(4096);
            assertThat(out.lagBytes()).isEqualTo(4096);
            assertThat(n.metrics().walsenderActive()).isTrue();
            assertThat(n.metrics().lagBytes()).isEqualTo(4096);
            Link in = n.links().stream()
                    .filter(l -> l.kind().equals("pgactive") && l.direction().equals(Link.INBOUND))
                    .findFirst()
                    .orElseThrow();
            assertThat(in.peer()).isEqualTo("node2");
            assertThat(in.lastAppliedAt()).isEqualTo(Instant.parse("2026-01-01T00:00:01Z"));

            // a disconnected peer: pending_wal_to_apply is NULL and the link is inactive
            a.setLag(PgactiveFixture.LagRow.disconnected("node2", SYSID_B, 8192));
            NodeState d = h.node("node1");
            Link gone = d.links().stream()
                    .filter(l -> l.kind().equals("pgactive") && l.direction().equals(Link.OUTBOUND))
                    .findFirst()
                    .orElseThrow();
            assertThat(gone.active()).isFalse();
            // nothing is applied beyond what was confirmed: the bytes not yet decoded are the link's backlog
            assertThat(gone.lagBytes()).isEqualTo(8192);
            assertThat(d.metrics().walsenderActive()).isFalse();
            assertThat(d.status()).isEqualTo(NodeStatus.DEGRADED);
            assertThat(d.reasons())
                    .anyMatch(r -> r.startsWith("pgactive outbound link node2 ") && r.endsWith(" inactive"));
        } finally {
            a.clearLag();
        }
    }

    /**
     * When an apply-side function fails (here: pgactive_get_stats() still exists but raises, as it does for a monitor
     * without EXECUTE on it), the node still reports its links and the apply details that remain, from the very next
     * cycle on.
     */
    @Test
    void aFailingApplyFunctionLeavesOnlyItsValuesOut() {
        a.setLag(PgactiveFixture.LagRow.of("node2", SYSID_B, 0, 2048));
        a.setApplied(
                SYSID_B, b.dboid(), 77, Instant.parse("2026-02-01T00:00:00Z"), Instant.parse("2026-02-01T00:00:02Z"));
        a.setStats(1, a.originNameFor(SYSID_B, b.dboid()), 10, 3, 4, 1, 2, 1, 0, 0, 0);
        PgNode node1 = cluster.node("node1");
        try (CollectorHarness h = harness("apply-fails")) {
            Link in = inbound(h.node("node1"));
            assertThat(in.conflicts()).isEqualTo(2);
            assertThat(in.applyErrors()).isEqualTo(3);

            node1.execute(statsFunction("LANGUAGE plpgsql AS $$ BEGIN"
                    + " RAISE EXCEPTION 'permission denied for function pgactive_get_stats'; END $$"));
            // the very next cycle, not a later one: the failure costs the node nothing
            NodeState n = h.node("node1");
            assertThat(n.error()).isNull();
            Link without = inbound(n);
            assertThat(without.conflicts()).isNull();
            assertThat(without.applyErrors()).isNull();
            assertThat(without.lastAppliedAt()).isEqualTo(Instant.parse("2026-02-01T00:00:02Z"));
            assertThat(n.links())
                    .filteredOn(
                            l -> l.kind().equals("pgactive") && l.direction().equals(Link.OUTBOUND))
                    .extracting(Link::peer, Link::lagBytes)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("node2", 2048L));
        } finally {
            node1.execute(statsFunction("LANGUAGE sql AS $$ SELECT * FROM pgactive._fixture_stats $$"));
            node1.execute("DELETE FROM pgactive._fixture_stats; DELETE FROM pgactive._fixture_applied");
            a.clearLag();
        }
    }

    /** pgactive_get_stats() with the fixture's signature and the given body. */
    private static String statsFunction(String body) {
        return "CREATE OR REPLACE FUNCTION pgactive.pgactive_get_stats(OUT rep_node_id oid, OUT rilocalid oid,"
                + " OUT riremoteid text, OUT nr_commit int8, OUT nr_rollback int8, OUT nr_insert int8,"
                + " OUT nr_insert_conflict int8, OUT nr_update int8, OUT nr_update_conflict int8, OUT nr_delete int8,"
                + " OUT nr_delete_conflict int8, OUT nr_disconnect int8) RETURNS SETOF record " + body;
    }

    private static Link inbound(NodeState n) {
        return n.links().stream()
                .filter(l -> l.kind().equals("pgactive") && l.direction().equals(Link.INBOUND))
                .findFirst()
                .orElseThrow();
    }

    /**
     * The group-wide lag function lists every member's slots, so it also lists the peer's slot that feeds this node,
     * naming this node. Before the node knows its own pgactive identity (not yet a member, a probe that raced the
     * join) that row must not become a link from the node to itself.
     */
    @Test
    void aNodeNeverHasAPgactiveLinkToItself() {
        a.setLag(PgactiveFixture.LagRow.of("node2", SYSID_B, 0, 0), PgactiveFixture.LagRow.of("node1", SYSID_A, 0, 0));
        String local = "pgactive._fixture_local";
        cluster.node("node1")
                .execute("CREATE TABLE pgactive._fixture_local_saved AS TABLE " + local + "; DELETE FROM " + local);
        try (CollectorHarness h = new CollectorHarness(
                        dir.resolve("self"), "interval: 1s\n", List.of(cluster.node("node1")))
                .checkingInvariants()) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() ->
                            assertThat(h.cycle().nodes().get("node1").error()).isNull());
            for (int i = 0; i < 3; i++) {
                assertThat(h.node("node1").links()).extracting(Link::peer).doesNotContain("node1");
            }
            cluster.node("node1").execute("INSERT INTO " + local + " TABLE pgactive._fixture_local_saved");
            await().atMost(Duration.ofSeconds(30)).pollInterval(h.interval()).untilAsserted(() -> {
                NodeState n = h.node("node1");
                assertThat(n.links())
                        .filteredOn(l ->
                                l.kind().equals("pgactive") && l.direction().equals(Link.OUTBOUND))
                        .extracting(Link::peer)
                        .containsExactly("node2");
            });
            h.assertInvariants();
        } finally {
            cluster.node("node1")
                    .execute("DELETE FROM " + local + "; INSERT INTO " + local
                            + " TABLE pgactive._fixture_local_saved; DROP TABLE pgactive._fixture_local_saved");
            a.clearLag();
        }
    }

    @Test
    void conflictsAreCountedPerTypeAndPerMinuteIncrementally() {
        try (CollectorHarness h = harness("conflicts")) {
            long before = h.node("node1").metrics().conflictsTotal();
            Instant now = Instant.now();
            a.insertConflict("insert_insert", "last_update_wins_keep_local", "public", "t", now.minusSeconds(3600));
            a.insertConflict("update_delete", "skip_change", "public", "t", now);
            NodeState n = h.node("node1");
            assertThat(n.metrics().conflictsTotal()).isEqualTo(before + 2);
            assertThat(n.metrics().conflictsByType()).containsKeys("insert_insert", "update_delete");
            assertThat(n.metrics().conflictCount()).isEqualTo(1); // the hour-old one is not in the last minute
            a.insertConflict("update_update", "last_update_wins_keep_remote", "public", "t", now);
            a.insertConflict("update_update", "last_update_wins_keep_remote", "public", "t", now);
            NodeState after = h.node("node1");
            assertThat(after.metrics().conflictCount()).isEqualTo(3);
            assertThat(after.metrics().conflictsByType().get("update_update")).isEqualTo(2);
            assertThat(after.status()).isEqualTo(NodeStatus.DEGRADED);
            assertThat(after.reasons()).anyMatch(r -> r.startsWith("3 conflicts in the last minute"));
        }
        // a fresh collector counts the history from its baseline, not from zero
        try (CollectorHarness h = harness("conflicts-restart")) {
            NodeState n = h.node("node1");
            assertThat(n.metrics().conflictsTotal()).isGreaterThanOrEqualTo(4);
            assertThat(n.metrics().conflictCount()).isEqualTo(3);
        }
    }

    @Test
    void legacyNodeSlotsViewGivesXidAndTimeLag() {
        Instant now = Instant.now();
        b.setNodeSlots(List.of(new PgactiveFixture.NodeSlotRow(
                "node1",
                b.slotNameFor(SYSID_A, a.dboid()),
                "0/1000000",
                "0/1000000",
                true,
                4321,
                "0/2000000",
                "0/2000000",
                "0/2000000",
                "0/1800000",
                110L,
                now,
                now,
                100L,
                now.minusSeconds(7),
                now.minusSeconds(7))));
        try (CollectorHarness h = harness("legacy")) {
            NodeState n = h.node("node2");
            assertThat(n.pgactiveVersion()).isNotNull();
            Link out = n.links().stream()
                    .filter(l -> l.kind().equals("pgactive") && l.direction().equals(Link.OUTBOUND))
                    .findFirst()
                    .orElseThrow();
            assertThat(out.peer()).isEqualTo("node1");
            assertThat(out.lagXid()).isEqualTo(10);
            assertThat(out.replayLsn()).isEqualTo("0/1800000");
            assertThat(out.active()).isTrue();
            assertThat(n.metrics().lagXid()).isEqualTo(10);
            assertThat(n.metrics().sentLsn()).isEqualTo("0/2000000");
        }
    }

    @Test
    void discoveryAddsReadyMembersAndDropsDetachedOnes() throws Exception {
        PgNode extra = cluster.addNode("node3");
        // discovered members are reached with the seed's credentials (pgactive stores its replication user's DSN)
        extra.execute("ALTER ROLE monitor PASSWORD '" + cluster.node("node1").password() + "'");
        try {
            a.addNode("7000000000000000003", "node3", 5, extra.conninfo(), 'r');
            CollectorHarness h =
                    new CollectorHarness(dir.resolve("discovery"), "interval: 1s\n", List.of(cluster.node("node1")));
            try {
                var settings = new ToolsConfig.Discovery("node1", Duration.ofSeconds(2));
                Discovery discovery = new Discovery(h.config, settings, h.collector, h.vertx);
                var found = discovery.discover().await().atMost(Duration.ofSeconds(10));
                assertThat(found).extracting(ToolsConfig.NodeConfig::name).contains("node1", "node2", "node3");
                assertThat(found).allSatisfy(nc -> assertThat(nc.origin()).isEqualTo("discovery"));
                discovery.start();
                await().atMost(Duration.ofSeconds(20))
                        .untilAsserted(() -> assertThat(h.cycle().nodes()).containsKeys("node1", "node2", "node3"));
                // node3 shares the seed's monitor password; node2 does not, and is reported as such
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> h.cycle().nodes().get("node3").status() == NodeStatus.HEALTHY);
                assertThat(h.cycle().nodes().get("node2").errorClass()).isEqualTo("auth");
                a.setNodeStatus("node3", 'k');
                await().atMost(Duration.ofSeconds(20))
                        .untilAsserted(() -> assertThat(h.cycle().nodes())
                                .containsKeys("node1", "node2")
                                .doesNotContainKey("node3"));
                discovery.stop();
                assertThat(discovery.toNode("x", "user_mapping=postgres pgactive_foreign_server=srv"))
                        .isEmpty();
            } finally {
                h.close();
            }
        } finally {
            a.node().update("DELETE FROM pgactive.pgactive_nodes WHERE node_name = 'node3'");
            extra.close();
        }
    }
}
