package io.pgactive.tools.store;

import static io.pgactive.tools.store.StoreTestSupport.awaitStored;
import static io.pgactive.tools.store.StoreTestSupport.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.testing.Snapshots;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of transition becomes exactly one event row, and event derivation continues across a restart. */
class EventDerivationTest {

    @TempDir
    Path dir;

    private List<List<Object>> events(Path file, long fromVersion) {
        return query(
                file,
                "SELECT node, type, from_value, to_value FROM events WHERE version >= ? ORDER BY id",
                fromVersion);
    }

    @Test
    void eachTransitionKindIsOneEvent() {
        Path file = dir.resolve("h.db");
        Snapshots s = new Snapshots(Instant.parse("2026-07-17T10:00:00Z"), 1, "a", "b");
        try (HistoryDb db = HistoryDb.open(file);
                HistoryStore store = StoreTestSupport.open(db)) {
            store.offer(s.next());
            store.offer(s.next()); // nothing changed
            awaitStored(store, 2);
            assertThat(events(file, 1))
                    .extracting(r -> tuple(r.get(0), r.get(1), r.get(2), r.get(3)))
                    .containsExactly(
                            tuple("a", "node_joined", null, "HEALTHY"), tuple("b", "node_joined", null, "HEALTHY"));

            s.node("a").lag = 6.0;
            s.node("a").status = NodeStatus.DEGRADED;
            store.offer(s.next()); // v3
            s.node("a").lag = 20.0;
            s.node("a").status = NodeStatus.CRITICAL;
            store.offer(s.next()); // v4
            s.node("a").lag = 1.0;
            s.node("a").status = NodeStatus.HEALTHY;
            store.offer(s.next()); // v5
            awaitStored(store, 5);
            assertThat(events(file, 3))
                    .extracting(r -> tuple(r.get(0), r.get(1), r.get(2), r.get(3)))
                    .containsExactly(
                            tuple("a", "status", "HEALTHY", "DEGRADED"),
                            tuple("a", "lag_threshold", "ok", "warn"),
                            tuple(null, "cluster_status", "HEALTHY", "DEGRADED"),
                            tuple("a", "status", "DEGRADED", "CRITICAL"),
                            tuple("a", "lag_threshold", "warn", "crit"),
                            tuple(null, "cluster_status", "DEGRADED", "CRITICAL"),
                            tuple("a", "status", "CRITICAL", "HEALTHY"),
                            tuple("a", "lag_threshold", "crit", "ok"),
                            tuple(null, "cluster_status", "CRITICAL", "HEALTHY"));

            s.node("b").walsender = false;
            s.node("b").conflictsMinute = 4;
            store.offer(s.next()); // v6
            s.node("b").walsender = true;
            s.node("b").conflictsMinute = 0;
            s.node("b").walReceiver = true; // unknown -> known is no transition
            store.offer(s.next()); // v7
            s.node("b").walReceiver = false;
            s.node("b").inRecovery = true;
            store.offer(s.next()); // v8
            s.node("b").inRecovery = false;
            store.offer(s.next()); // v9: promoted
            awaitStored(store, 9);
            assertThat(events(file, 6))
                    .extracting(r -> tuple(r.get(0), r.get(1), r.get(2), r.get(3)))
                    .containsExactly(
                            tuple("b", "conflict_threshold", "ok", "warn"),
                            tuple("b", "walsender", "up", "down"),
                            tuple("b", "conflict_threshold", "warn", "ok"),
                            tuple("b", "walsender", "down", "up"),
                            tuple("b", "walreceiver", "up", "down"),
                            tuple("b", "recovery", "primary", "standby"),
                            tuple("b", "recovery", "standby", "primary"));

            s.nodes.remove("b");
            s.add("c");
            store.offer(s.next()); // v10: discovery swapped b for c
            awaitStored(store, 10);
            assertThat(events(file, 10))
                    .extracting(r -> tuple(r.get(0), r.get(1), r.get(2), r.get(3)))
                    .containsExactly(
                            tuple("b", "node_left", "HEALTHY", null), tuple("c", "node_joined", null, "HEALTHY"));
            assertThat(query(file, "SELECT details FROM events WHERE type = 'lag_threshold' ORDER BY id LIMIT 1")
                            .get(0)
                            .get(0))
                    .isEqualTo("{\"lag_seconds\":6.0,\"warn\":5.0,\"crit\":15.0}");
        }
    }

    @Test
    void derivationContinuesAfterARestartFromTheStoredSamples() {
        Path file = dir.resolve("h.db");
        Snapshots s = new Snapshots(Instant.parse("2026-07-17T10:00:00Z"), 1, "a", "b");
        s.node("a").lag = 7.0;
        s.node("a").status = NodeStatus.DEGRADED;
        try (HistoryDb db = HistoryDb.open(file);
                HistoryStore store = StoreTestSupport.open(db)) {
            store.offer(s.next());
            awaitStored(store, 1);
        }
        s.node("a").lag = 1.0;
        s.node("a").status = NodeStatus.HEALTHY;
        try (HistoryDb db = HistoryDb.open(file);
                HistoryStore store = StoreTestSupport.open(db)) {
            store.offer(s.next());
            awaitStored(store, 2);
        }
        // no second join: the restarted store knew both nodes, and saw a's recovery
        assertThat(events(file, 2))
                .extracting(r -> tuple(r.get(0), r.get(1), r.get(2), r.get(3)))
                .containsExactly(
                        tuple("a", "status", "DEGRADED", "HEALTHY"),
                        tuple("a", "lag_threshold", "warn", "ok"),
                        tuple(null, "cluster_status", "DEGRADED", "HEALTHY"));
    }
}
