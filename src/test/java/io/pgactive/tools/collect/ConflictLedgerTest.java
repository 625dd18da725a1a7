package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.Conflict;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.store.EventDeriver;
import io.pgactive.tools.store.HistoryQueries;
import io.pgactive.tools.store.HistoryStore;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.PgactiveFixture;
import io.pgactive.tools.testing.StandaloneCluster;
import io.smallrye.mutiny.subscription.Cancellable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The conflict ledger against real servers with the pgactive catalog fixture: history that predates the service is
 * copied, rows that arrive while it is down are picked up after a restart, each row is kept once, and the ledger
 * outlives a purge of the source table.
 */
class ConflictLedgerTest {

    @RegisterExtension
    static final StandaloneCluster pg = new StandaloneCluster(2);

    private static PgactiveFixture a;
    private static PgactiveFixture b;

    @BeforeAll
    static void start() throws Exception {
        a = pg.node("node1").installPgactiveFixture("7100000000000000001", "node1");
        b = pg.node("node2").installPgactiveFixture("7100000000000000002", "node2");
        a.addPeer(b);
        b.addPeer(a);
    }

    /** One service run: collector and store on the same data folder, wired like the service does. */
    private static final class Run implements AutoCloseable {
        final CollectorHarness h;
        final HistoryStore store;
        final Cancellable feed;

        Run() {
            List<PgNode> nodes = List.of(pg.node("node1"), pg.node("node2"));
            h = new CollectorHarness(pg.dir().resolve("service"), "interval: 1s\n", nodes);
            store = new HistoryStore(h.db, new EventDeriver(5, 15, 3), ToolsConfig.Retention.DEFAULT, 1 << 20, 1000);
            store.start();
            feed = h.bus.stream().subscribe().with(store::offer);
            h.collector.conflictLedger(store::conflictCursor);
        }

        Snapshot cycleAndStore() {
            Snapshot s = h.cycle();
            await().atMost(Duration.ofSeconds(20)).until(() -> store.status().storedVersion() >= s.version());
            return s;
        }

        /**
         * Cycles until {@code done} holds for a stored cycle: on a loaded machine one cycle's conflict read may miss
         * its deadline, and the next cycle reads on from the same cursor.
         */
        Snapshot cycleAndStoreUntil(Predicate<Snapshot> done) {
            for (int i = 0; i < 10; i++) {
                Snapshot s = cycleAndStore();
                if (done.test(s)) {
                    return s;
                }
            }
            throw new AssertionError("the conflict ledger did not reach the expected state in 10 cycles");
        }

        @Override
        public void close() {
            feed.cancel();
            store.close();
            h.close();
        }
    }

    private static List<Conflict> ledger(HistoryStore store, CollectorHarness h) {
        return new HistoryQueries(h.db)
                .conflicts(
                        "node1",
                        null,
                        Instant.now().minus(1, ChronoUnit.DAYS),
                        Instant.now().plusSeconds(60),
                        100);
    }

    private static long conflictsCounted(Snapshot s) {
        NodeMetrics m = s.nodes().get("node1").metrics();
        return m == null || m.conflictsTotal() == null ? -1 : m.conflictsTotal();
    }

    @Test
    void copiesHistoryOnceAcrossRestartsAndKeepsItAfterThePurge() {
        Instant t0 = Instant.now().minusSeconds(3600).truncatedTo(ChronoUnit.MILLIS);
        long first = a.insertConflict("update_update", "last_update_wins_keep_remote", "public", "orders", t0);
        a.insertConflict("insert_insert", "last_update_wins_keep_local", "public", "items", t0.plusSeconds(1));
        long lastBeforeRestart;
        long versionBeforeRestart;
        try (Run run = new Run()) {
            run.cycleAndStore();
            a.insertConflict(
                    "update_delete",
                    "skip_change",
                    "sales",
                    "orders",
                    Instant.now().truncatedTo(ChronoUnit.MILLIS));
            Snapshot s = run.cycleAndStoreUntil(c -> ledger(run.store, run.h).size() >= 3 && conflictsCounted(c) >= 3);
            versionBeforeRestart = s.version();
            List<Conflict> rows = ledger(run.store, run.h);
            assertThat(rows).hasSize(3);
            assertThat(rows)
                    .extracting(Conflict::conflictType)
                    .containsExactlyInAnyOrder("update_update", "insert_insert", "update_delete");
            Conflict oldest = rows.stream()
                    .filter(r -> r.conflictId() == first)
                    .findFirst()
                    .orElseThrow();
            assertThat(oldest.at()).isEqualTo(t0);
            assertThat(oldest.objectSchema()).isEqualTo("public");
            assertThat(oldest.objectName()).isEqualTo("orders");
            assertThat(oldest.resolution()).isEqualTo("last_update_wins_keep_remote");
            assertThat(oldest.remoteNode()).isEqualTo("node2");
            lastBeforeRestart = run.store.conflictCursor("node1");
            // the counting side still sees every conflict once
            assertThat(s.nodes().get("node1").metrics().conflictsTotal()).isEqualTo(3);
        }
        // while the service is down: one more conflict, and an operator purges the old rows at the source
        long whileDown = a.insertConflict(
                "delete_delete",
                "skip_change",
                "public",
                "orders",
                Instant.now().truncatedTo(ChronoUnit.MILLIS));
        assertThat(whileDown).isGreaterThan(lastBeforeRestart);
        a.node().update("DELETE FROM pgactive.pgactive_conflict_history WHERE conflict_id <= ?", lastBeforeRestart);
        try (Run run = new Run()) {
            Snapshot s = run.cycleAndStore();
            assertThat(s.version()).isGreaterThan(versionBeforeRestart);
            a.insertConflict(
                    "update_update",
                    "last_update_wins_keep_remote",
                    "public",
                    "items",
                    Instant.now().truncatedTo(ChronoUnit.MILLIS));
            run.cycleAndStoreUntil(c -> ledger(run.store, run.h).size() >= 5);
            run.cycleAndStore();
            List<Conflict> rows = ledger(run.store, run.h);
            assertThat(rows)
                    .extracting(Conflict::conflictId)
                    .doesNotHaveDuplicates()
                    .hasSize(5)
                    .contains(first, whileDown);
            assertThat(new HistoryQueries(run.h.db)
                            .conflicts(
                                    null,
                                    "public.orders",
                                    Instant.now().minus(1, ChronoUnit.DAYS),
                                    Instant.now().plusSeconds(60),
                                    100))
                    .hasSize(2);
        }
    }

    /**
     * While the conflict history predating the service is copied, the ledger's statements are sent from the answers of
     * the first ones: custom queries must not queue ahead of them, or queries that use their whole share of the
     * deadline would fail the node. A full batch of history makes the copy itself take longer than the margin the
     * custom queries leave before the deadline.
     */
    @Test
    void slowCustomQueriesDoNotHoldBackTheLedgerCopy() throws Exception {
        PgNode node2 = pg.node("node2");
        long one = b.insertConflict(
                "update_update",
                "last_update_wins_keep_remote",
                "bulk",
                "copied",
                Instant.now().minusSeconds(60));
        node2.update(
                "INSERT INTO pgactive.pgactive_conflict_history (" + HISTORY_COLUMNS + ") SELECT "
                        + HISTORY_COLUMNS + " FROM pgactive.pgactive_conflict_history, generate_series(2, ?)"
                        + " WHERE conflict_id = ?",
                LEDGER_BATCH,
                one);
        Path svc = pg.dir().resolve("slow-custom");
        Files.createDirectories(svc.resolve("queries"));
        for (String name : List.of("a_slow", "b_slow")) {
            Files.writeString(
                    svc.resolve("queries").resolve(name + ".sql"),
                    "-- values: n:gauge\n-- timeout: 10s\nSELECT 1 AS n FROM pg_sleep(10)");
        }
        try (CollectorHarness h = new CollectorHarness(svc, "interval: 3s\ntimeout: 2s\n", List.of(node2))) {
            NodeState first = h.cycle().nodes().get("node2");
            assertThat(first.error()).isNull();
            assertThat(first.status()).isEqualTo(NodeStatus.HEALTHY);
            // the queries used their share of the deadline and were cancelled: recorded against them only
            assertThat(first.customErrors()).containsKeys("a_slow", "b_slow");
        }
    }

    private static final int LEDGER_BATCH = 5000;
    private static final String HISTORY_COLUMNS = "local_node_sysid, local_conflict_xid, local_conflict_lsn,"
            + " local_conflict_time, object_schema, object_name, remote_node_sysid, remote_txid, remote_commit_time,"
            + " remote_commit_lsn, conflict_type, conflict_resolution, local_tuple, remote_tuple, local_tuple_xmin,"
            + " local_tuple_origin_sysid, remote_node_timeline, remote_node_dboid, local_tuple_origin_timeline,"
            + " local_tuple_origin_dboid, local_commit_time";
}
