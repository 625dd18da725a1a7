package io.pgactive.tools.store;

import static io.pgactive.tools.store.StoreTestSupport.awaitStored;
import static io.pgactive.tools.store.StoreTestSupport.count;
import static io.pgactive.tools.store.StoreTestSupport.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.Conflict;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.VersionSequence;
import io.pgactive.tools.testing.Snapshots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryStoreTest {

    @TempDir
    Path dir;

    @Test
    void versionsNeverRepeatAcrossRestartsEvenWithoutCleanShutdown() {
        Path file = dir.resolve("h.db");
        long last = 0;
        HistoryDb first = HistoryDb.open(file);
        VersionSequence seq = new VersionSequence(first.versionMark(0), 10);
        for (int i = 0; i < 25; i++) {
            long v = seq.next();
            assertThat(v).isEqualTo(last + 1);
            last = v;
        }
        // the first database is deliberately left open: a crash right now must not lead to reuse
        try (HistoryDb second = HistoryDb.open(file)) {
            VersionSequence again = new VersionSequence(second.versionMark(0), 10);
            assertThat(again.current()).isGreaterThanOrEqualTo(last);
            assertThat(again.next()).isGreaterThan(last);
        }
        first.close();
    }

    @Test
    void theMarkIsWrittenOncePerBlockAndNeverBelowAStoredVersionOrALegacyFile() throws Exception {
        Path file = dir.resolve("h.db");
        try (HistoryDb db = HistoryDb.open(file)) {
            VersionSequence seq = new VersionSequence(db.versionMark(0), 100);
            seq.next();
            assertThat(count(file, "SELECT reserved_up_to FROM version_mark")).isEqualTo(100);
            for (int i = 0; i < 99; i++) {
                seq.next();
            }
            assertThat(count(file, "SELECT reserved_up_to FROM version_mark")).isEqualTo(100);
            assertThat(seq.next()).isEqualTo(101);
            assertThat(count(file, "SELECT reserved_up_to FROM version_mark")).isEqualTo(200);
            // a snapshot stored above the mark (a database restored from another copy) still wins
            try (Statement st = db.writer().createStatement()) {
                st.execute("INSERT INTO snapshots (version, collected_at, cluster_status, nodes_total, nodes_healthy)"
                        + " VALUES (5000, 0, 'HEALTHY', 0, 0)");
            }
            assertThat(new VersionSequence(db.versionMark(0), 100).next()).isEqualTo(5001);
            assertThat(new VersionSequence(db.versionMark(9000), 100).next()).isEqualTo(9001);
        }
        Path legacy = dir.resolve("snapshot-version");
        Files.writeString(legacy, "7000\n");
        assertThat(HistoryService.legacyMark(legacy)).isEqualTo(7000);
        assertThat(HistoryService.legacyMark(dir.resolve("absent"))).isZero();
        Files.writeString(legacy, "not a number");
        assertThatThrownBy(() -> HistoryService.legacyMark(legacy)).hasMessageContaining("refusing to start");
    }

    @Test
    void migrationsAreRecordedAndANewerSchemaIsRefused() throws Exception {
        Path file = dir.resolve("h.db");
        HistoryDb.open(file).close();
        HistoryDb.open(file).close();
        assertThat(query(file, "SELECT version, name FROM schema_version"))
                .containsExactly(List.of(1, "001_history.sql"));
        assertThat(query(file, "PRAGMA journal_mode").get(0).get(0)).isEqualTo("wal");
        assertThat(count(file, "PRAGMA page_size")).isEqualTo(16_384);
        assertThat(count(file, "PRAGMA auto_vacuum")).isEqualTo(2);
        try (HistoryDb db = HistoryDb.open(file);
                Statement st = db.writer().createStatement()) {
            st.execute("INSERT INTO schema_version VALUES (99, 'future.sql', 0)");
        }
        assertThatThrownBy(() -> HistoryDb.open(file)).hasMessageContaining("newer than this release");
        assertThat(HistoryDb.statements("CREATE TABLE a (x INT); -- note; here\nCREATE TABLE b (y INT);\n"))
                .containsExactly("CREATE TABLE a (x INT)", "CREATE TABLE b (y INT)");
    }

    @Test
    void storesEveryVersionByteForByteWithOneSamplePerNode() {
        Path file = dir.resolve("h.db");
        Snapshots s = new Snapshots(Instant.parse("2026-07-17T10:00:00Z"), 41, "a", "b", "c");
        List<PublishedSnapshot> published = new ArrayList<>();
        try (HistoryDb db = HistoryDb.open(file);
                HistoryStore store = StoreTestSupport.open(db)) {
            for (int i = 0; i < 20; i++) {
                s.node("b").lag = (double) i;
                PublishedSnapshot p = s.next();
                published.add(p);
                store.offer(p);
            }
            store.offer(published.get(3)); // a version already seen is ignored
            awaitStored(store, 60);
            HistoryQueries q = new HistoryQueries(db);
            for (PublishedSnapshot p : published) {
                assertThat(q.snapshot(p.version()).orElseThrow().json()).isEqualTo(p.json());
            }
            assertThat(q.snapshot(999)).isEmpty();
            assertThat(store.status().healthy()).isTrue();
            assertThat(store.status().samplesWritten()).isEqualTo(60);
        }
        assertThat(count(file, "SELECT count(*) FROM node_samples")).isEqualTo(60);
        assertThat(query(
                                file,
                                "SELECT lag_seconds FROM node_samples s JOIN nodes n USING (node_id) WHERE n.name = 'b'"
                                        + " ORDER BY at")
                        .stream()
                        .map(r -> ((Number) r.get(0)).doubleValue())
                        .toList())
                .containsExactly(
                        0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0,
                        17.0, 18.0, 19.0);
    }

    @Test
    void eachCommittedBatchIsASpanWhenTracingIsOn() {
        var exporter = InMemorySpanExporter.create();
        var provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build();
        Snapshots s = new Snapshots(Instant.parse("2026-07-17T10:00:00Z"), 7, "a");
        try (HistoryDb db = HistoryDb.open(dir.resolve("traced.db"));
                HistoryStore store = new HistoryStore(
                        db, StoreTestSupport.DERIVER, ToolsConfig.Retention.DEFAULT, 32L << 20, 50_000)) {
            store.traceWith(provider.get("test"));
            store.start();
            PublishedSnapshot p = s.next();
            store.offer(p);
            awaitStored(store, p.version());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !exporter.getFinishedSpanItems().isEmpty());
            var span = exporter.getFinishedSpanItems().get(0);
            assertThat(span.getName()).isEqualTo("store write");
            assertThat(span.getAttributes().get(AttributeKey.longKey("pgactive.version")))
                    .isEqualTo(p.version());
        } finally {
            provider.close();
        }
    }

    @Test
    void fallingBehindThinsSamplesButKeepsEveryEventAndBoundsTheQueue() {
        Path file = dir.resolve("h.db");
        Snapshots s = new Snapshots(Instant.parse("2026-07-17T10:00:00Z"), 1, "a", "b");
        try (HistoryDb db = HistoryDb.open(file)) {
            PublishedSnapshot probe = s.next();
            long budget = probe.json().length * 10L;
            // not started: nothing drains, as if the disk stalled
            HistoryStore store =
                    new HistoryStore(db, StoreTestSupport.DERIVER, ToolsConfig.Retention.DEFAULT, budget, 100);
            store.offer(probe);
            for (int i = 0; i < 299; i++) {
                s.node("a").status = i % 2 == 0 ? NodeStatus.DEGRADED : NodeStatus.HEALTHY;
                store.offer(s.next());
            }
            HistoryStore.Status st = store.status();
            assertThat(st.pending()).isEqualTo(100);
            assertThat(st.dropped()).isEqualTo(200);
            assertThat(st.thinned()).isGreaterThanOrEqualTo(89);
            store.start();
            awaitStored(store, 300);
            store.close();
        }
        // every status flip of a (299) and its cluster flip is kept, even from versions whose summary was dropped
        assertThat(count(file, "SELECT count(*) FROM events WHERE node = 'a' AND type = 'status'"))
                .isEqualTo(299);
        assertThat(count(file, "SELECT count(*) FROM events WHERE type = 'cluster_status'"))
                .isEqualTo(299);
        assertThat(count(file, "SELECT count(*) FROM snapshots")).isEqualTo(100);
        assertThat(count(file, "SELECT count(*) FROM snapshot_json")).isLessThanOrEqualTo(11);
        assertThat(count(file, "SELECT count(*) FROM node_samples"))
                .isEqualTo(2 * count(file, "SELECT count(*) FROM snapshot_json"));
    }

    @Test
    void aFullDatabaseMakesTheStoreUnhealthyUntilSpaceReturnsThenNothingIsMissing() throws Exception {
        Path file = dir.resolve("h.db");
        Snapshots s = new Snapshots(Instant.parse("2026-07-17T10:00:00Z"), 1, "a", "b");
        try (HistoryDb db = HistoryDb.open(file)) {
            long pages = count(file, "PRAGMA page_count");
            try (Statement st = db.writer().createStatement()) {
                // SQLite reports SQLITE_FULL exactly as for a full disk once the file may not grow
                st.execute("PRAGMA max_page_count = " + pages);
            }
            HistoryStore store = StoreTestSupport.open(db);
            for (int i = 0; i < 50; i++) {
                store.offer(s.next());
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> !store.status().healthy());
            assertThat(store.status().error()).contains("full");
            try (Statement st = db.writer().createStatement()) {
                st.execute("PRAGMA max_page_count = 1073741823");
            }
            await().atMost(Duration.ofSeconds(40))
                    .until(() -> store.status().healthy() && store.status().storedVersion() == 50);
            store.close();
        }
        assertThat(count(file, "SELECT count(*) FROM snapshots")).isEqualTo(50);
        assertThat(count(file, "SELECT count(*) FROM events WHERE type = 'node_joined'"))
                .isEqualTo(2);
    }

    @Test
    void conflictLedgerKeepsEachRowOnceAcrossRestartsAndRemembersItsCursor() {
        Path file = dir.resolve("h.db");
        Snapshots s = new Snapshots(Instant.parse("2026-07-17T10:00:00Z"), 1, "a", "b");
        try (HistoryDb db = HistoryDb.open(file);
                HistoryStore store = StoreTestSupport.open(db)) {
            assertThat(store.conflictCursor("a")).isZero();
            store.offer(s.next(s.conflict("a", 1, "t1"), s.conflict("a", 2, "t2"), s.conflict("b", 1, "t1")));
            awaitStored(store, 1);
            assertThat(store.conflictCursor("a")).isEqualTo(2);
        }
        try (HistoryDb db = HistoryDb.open(file);
                HistoryStore store = StoreTestSupport.open(db)) {
            assertThat(store.conflictCursor("a")).isEqualTo(2);
            assertThat(store.conflictCursor("b")).isEqualTo(1);
            // after a restart the collector re-reads from the cursor; an overlap must not duplicate
            store.offer(s.next(s.conflict("a", 2, "t2"), s.conflict("a", 3, "t3")));
            awaitStored(store, 2);
            HistoryQueries q = new HistoryQueries(db);
            Instant from = s.now.minusSeconds(3600);
            assertThat(q.conflicts("a", null, from, s.now.plusSeconds(1), 100))
                    .extracting(Conflict::conflictId)
                    .containsExactlyInAnyOrder(1L, 2L, 3L);
            assertThat(q.conflicts(null, "public.t1", from, s.now.plusSeconds(1), 100))
                    .hasSize(2);
            assertThat(q.conflicts(null, "t2", from, s.now.plusSeconds(1), 100)).hasSize(1);
        }
        assertThat(count(file, "SELECT count(*) FROM conflicts")).isEqualTo(4);
    }
}
