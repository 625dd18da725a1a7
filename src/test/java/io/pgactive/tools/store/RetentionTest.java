package io.pgactive.tools.store;

import static io.pgactive.tools.store.StoreTestSupport.awaitStored;
import static io.pgactive.tools.store.StoreTestSupport.count;
import static io.pgactive.tools.store.StoreTestSupport.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.snapshot.ConflictRecord;
import io.pgactive.tools.testing.Snapshots;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention on a real file: exactly the rows past each window go, folded samples keep the worst of each minute. */
class RetentionTest {

    @TempDir
    Path dir;

    @Test
    void removesExactlyWhatIsOlderThanEachWindow() {
        Path file = dir.resolve("h.db");
        // windows in minutes so that a few thousand snapshots span all of them
        ToolsConfig.Retention r = new ToolsConfig.Retention(
                Duration.ofMinutes(60),
                Duration.ofMinutes(120),
                Duration.ofMinutes(30),
                Duration.ofMinutes(90),
                Duration.ofMinutes(100));
        Instant start = Instant.parse("2026-07-17T10:00:00Z");
        Snapshots s = new Snapshots(start.minusSeconds(10), 1, "a", "b");
        s.stepMillis = 10_000;
        try (HistoryDb db = HistoryDb.open(file);
                HistoryStore store = StoreTestSupport.open(db, r)) {
            // 3 hours at one snapshot per 10 s: 1080 versions, the first at 10:00:00 (rounded to the minute)
            for (int i = 0; i < 1080; i++) {
                s.node("a").lag = (i % 6 == 3) ? 9.0 : 1.0; // one slow sample per minute
                s.node("a").status = (i % 6 == 3) ? NodeStatus.DEGRADED : NodeStatus.HEALTHY;
                store.offer(s.next(
                        i % 60 == 0 ? new ConflictRecord[] {s.conflict("a", i + 1, "t")} : new ConflictRecord[0]));
            }
            awaitStored(store, 1080);
            store.retainNow();
        }
        long newest = count(file, "SELECT max(collected_at) FROM snapshots");
        assertThat(Instant.ofEpochMilli(newest)).isEqualTo(start.plusSeconds(10_790));
        long minute = 60_000;
        // full-resolution samples: exactly the last 60 minutes (cut at a whole minute)
        long sampleCut = Math.floorDiv(newest - 60 * minute, minute) * minute;
        assertThat(count(file, "SELECT min(at) FROM node_samples")).isEqualTo(sampleCut);
        // folded minutes: from 120 minutes back up to the sample cut, one row per node and minute, worst kept
        long minuteCut = newest - 120 * minute;
        long expectedMinutes = (sampleCut - (Math.floorDiv(minuteCut, minute) + 1) * minute) / minute;
        assertThat(count(file, "SELECT count(*) FROM node_minutes WHERE node_id = 1"))
                .isEqualTo(expectedMinutes);
        assertThat(count(file, "SELECT min(at) FROM node_minutes")).isGreaterThanOrEqualTo(minuteCut);
        assertThat(query(file, "SELECT DISTINCT samples, status, lag_seconds_max FROM node_minutes WHERE node_id = 1"))
                .containsExactly(List.of(6, NodeStatus.DEGRADED.ordinal(), 9.0));
        assertThat(query(file, "SELECT DISTINCT round(lag_seconds, 3) FROM node_minutes WHERE node_id = 1"))
                .containsExactly(List.of(round(14.0 / 6)));
        // snapshot JSON: only the last 30 minutes; summary rows as long as samples
        assertThat(count(file, "SELECT min(collected_at) FROM snapshots JOIN snapshot_json USING (version)"))
                .isGreaterThanOrEqualTo(newest - 30 * minute)
                .isLessThan(newest - 30 * minute + 10_000);
        assertThat(count(file, "SELECT min(collected_at) FROM snapshots"))
                .isGreaterThanOrEqualTo(newest - 60 * minute)
                .isLessThan(newest - 60 * minute + 10_000);
        // events and conflicts: by their own windows
        assertThat(count(file, "SELECT min(at) FROM events"))
                .isGreaterThanOrEqualTo(newest - 90 * minute)
                .isLessThan(newest - 90 * minute + minute);
        assertThat(count(file, "SELECT count(*) FROM events WHERE at >= ?", newest - 90 * minute))
                .isEqualTo(count(file, "SELECT count(*) FROM events"));
        assertThat(count(file, "SELECT count(*) FROM conflicts")).isEqualTo(10); // one per 10 minutes, 100 minutes
        // the ledger cursor outlives the rows retention removed
        assertThat(count(file, "SELECT last_id FROM conflict_cursors WHERE node = 'a'"))
                .isEqualTo(1021);
    }

    private static double round(double d) {
        return Math.round(d * 1000) / 1000.0;
    }
}
