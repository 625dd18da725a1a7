package io.pgactive.tools.bench;

import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.store.EventDeriver;
import io.pgactive.tools.store.HistoryDb;
import io.pgactive.tools.store.HistoryQueries;
import io.pgactive.tools.store.HistoryStore;
import io.pgactive.tools.testing.Snapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The history store on its own, on a real file: (1) sustained write throughput with N nodes per snapshot, as fast
 * as the store drains; (2) a simulated day at 10 nodes / 2 s in a full pgactive mesh (every node linked to every
 * other), time-compressed, with the default retention, then the size of the file, the bytes per row of each table,
 * the steady-state size that retention implies, and the latency of a one-hour node history query. Run through
 * {@code bench/store.sh}.
 */
public final class StoreBenchmark {

    private StoreBenchmark() {}

    public static void main(String[] args) throws Exception {
        int nodes = 1000;
        int seconds = 20;
        double days = 1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--nodes" -> nodes = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--days" -> days = Double.parseDouble(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path dir = Files.createTempDirectory("store-bench");
        throughput(dir.resolve("throughput.db"), nodes, seconds);
        day(dir.resolve("day.db"), days);
    }

    private static HistoryStore store(HistoryDb db) {
        return new HistoryStore(db, new EventDeriver(5, 15, 3), ToolsConfig.Retention.DEFAULT, 256L << 20, 50_000);
    }

    private static void throughput(Path file, int nodes, int seconds) {
        String[] names = new String[nodes];
        for (int i = 0; i < nodes; i++) {
            names[i] = String.format(Locale.ROOT, "node%04d", i);
        }
        Snapshots s = new Snapshots(Instant.now(), 1, names);
        try (HistoryDb db = HistoryDb.open(file)) {
            HistoryStore store = store(db);
            store.start();
            long warmupEnd = System.nanoTime() + 5_000_000_000L;
            long start = 0;
            long startSamples = 0;
            long end = warmupEnd + seconds * 1_000_000_000L;
            long built = 0;
            long buildNanos = 0;
            while (System.nanoTime() < end) {
                if (start == 0 && System.nanoTime() >= warmupEnd) {
                    start = System.nanoTime();
                    startSamples = store.status().samplesWritten();
                }
                // keep a little work queued: measure the writer, not the queue
                if (store.status().pending() >= 4) {
                    LockSupport.parkNanos(200_000);
                    continue;
                }
                long b = System.nanoTime();
                s.node(names[(int) (built % nodes)]).lag = (double) (built % 20);
                PublishedSnapshot p = s.next();
                buildNanos += System.nanoTime() - b;
                built++;
                store.offer(p);
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            long samples = store.status().samplesWritten() - startSamples;
            HistoryStore.Status st = store.status();
            store.close();
            double rate = samples / elapsed;
            System.out.printf(
                    Locale.ROOT,
                    "throughput: %d nodes/snapshot, %.0f node samples/s sustained over %.0f s"
                            + " (%.1f snapshots/s; needed for %d nodes at 2 s: %d samples/s, headroom x%.1f);"
                            + " thinned %d, batches %d; snapshot build+encode %.1f ms each (not in the store)%n",
                    nodes,
                    rate,
                    elapsed,
                    rate / nodes,
                    nodes,
                    nodes / 2,
                    rate / (nodes / 2.0),
                    st.thinned(),
                    st.batches(),
                    buildNanos / 1e6 / Math.max(built, 1));
        }
    }

    private static void day(Path file, double days) throws Exception {
        Snapshots s = new Snapshots(
                        Instant.parse("2026-07-17T00:00:00Z"),
                        1,
                        "n01",
                        "n02",
                        "n03",
                        "n04",
                        "n05",
                        "n06",
                        "n07",
                        "n08",
                        "n09",
                        "n10")
                .mesh();
        long versions = (long) (days * 43_200);
        long jsonBytes = 0;
        long t0 = System.nanoTime();
        try (HistoryDb db = HistoryDb.open(file)) {
            HistoryStore store = store(db);
            store.start();
            for (long i = 0; i < versions; i++) {
                // a few transitions per hour, as a lively cluster would have
                if (i % 600 == 0) {
                    s.node("n03").lag = s.node("n03").lag > 5 ? 0.5 : 7.5;
                    s.node("n03").status = s.node("n03").lag > 5 ? NodeStatus.DEGRADED : NodeStatus.HEALTHY;
                }
                PublishedSnapshot p = s.next();
                jsonBytes += p.json().length;
                store.offer(p);
                while (store.status().pending() > 64) {
                    LockSupport.parkNanos(500_000);
                }
                if (i % 1800 == 1799) {
                    store.retainNow(); // the store does this every minute of wall time; here per simulated hour
                }
            }
            store.retainNow();
            store.close();
            double wall = (System.nanoTime() - t0) / 1e9;
            long size = Files.size(file) + sizeOr0(file.resolveSibling(file.getFileName() + "-wal"));
            System.out.printf(
                    Locale.ROOT,
                    "simulated %.1f day(s) at 10 nodes / 2 s (full mesh, %.1f KB JSON per snapshot) in %.0f s:"
                            + " database %.1f MB%n",
                    days,
                    jsonBytes / 1024.0 / versions,
                    wall,
                    size / 1e6);
            Map<String, long[]> tables = tableSizes(db);
            tables.forEach((name, v) -> System.out.printf(
                    Locale.ROOT,
                    "  %-14s %9d rows %8.1f MB %6.0f B/row%n",
                    name,
                    v[1],
                    v[0] / 1e6,
                    v[1] == 0 ? 0.0 : (double) v[0] / v[1]));
            steadyState(tables, days);
            historyLatency(db, s.now);
        }
    }

    /** What default retention keeps at 10 nodes / 2 s, from the bytes per row measured above. */
    private static void steadyState(Map<String, long[]> t, double days) {
        ToolsConfig.Retention r = ToolsConfig.Retention.DEFAULT;
        double perDay = 43_200;
        double samples =
                bytesPerRow(t, "node_samples") * 10 * perDay * r.samples().toDays();
        double minutes =
                48 * 10 * 1440 * (r.downsampled().toDays() - r.samples().toDays());
        double snapshotRows = bytesPerRow(t, "snapshots") * perDay * r.samples().toDays();
        double json = t.get("snapshot_json")[0]; // already the retained window when days cover it
        // a handful of event rows sit in a mostly empty page: below a few thousand rows, assume 120 B each
        double eventRow = t.get("events")[1] < 5000 ? 120 : bytesPerRow(t, "events");
        double events = eventRow * t.get("events")[1] / days * r.events().toDays();
        double total = samples + minutes + snapshotRows + json + events;
        System.out.printf(
                Locale.ROOT,
                "steady state with default retention (samples %dd, minutes %dd, JSON %dh, events %dd):"
                        + " ~%.0f MB (samples %.0f, minutes %.0f, snapshot rows %.0f, JSON %.0f, events %.1f); budget 200 MB%n",
                r.samples().toDays(),
                r.downsampled().toDays(),
                r.snapshots().toHours(),
                r.events().toDays(),
                total / 1e6,
                samples / 1e6,
                minutes / 1e6,
                snapshotRows / 1e6,
                json / 1e6,
                events / 1e6);
    }

    private static double bytesPerRow(Map<String, long[]> t, String name) {
        long[] v = t.get(name);
        return v == null || v[1] == 0 ? 0 : (double) v[0] / v[1];
    }

    /** Bytes (pages of the table and its indexes) and rows per table. */
    private static Map<String, long[]> tableSizes(HistoryDb db) {
        return db.read(c -> {
            Map<String, long[]> out = new TreeMap<>();
            try (Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d"
                        + " LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1")) {
                    while (rs.next()) {
                        out.put(rs.getString(1), new long[] {rs.getLong(2), 0});
                    }
                }
                for (String table : new ArrayList<>(out.keySet())) {
                    if (table.startsWith("sqlite_")) {
                        continue;
                    }
                    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM \"" + table + "\"")) {
                        out.get(table)[1] = rs.getLong(1);
                    }
                }
            }
            return out;
        });
    }

    private static void historyLatency(HistoryDb db, Instant now) {
        HistoryQueries q = new HistoryQueries(db);
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long t = System.nanoTime();
            int points = q.history("n05", now.minus(Duration.ofHours(1)), now.plusSeconds(1), null, 10_001)
                    .size();
            nanos.add(System.nanoTime() - t);
            if (points < 1700) {
                throw new IllegalStateException("expected an hour of samples, got " + points);
            }
        }
        Collections.sort(nanos);
        System.out.printf(
                Locale.ROOT,
                "GET /nodes/{name}/history, last hour (1,800 points), store query: p50 %.1f ms, p99 %.1f ms%n",
                nanos.get(100) / 1e6,
                nanos.get(198) / 1e6);
    }

    private static long sizeOr0(Path p) throws IOException {
        return Files.exists(p) ? Files.size(p) : 0;
    }
}
