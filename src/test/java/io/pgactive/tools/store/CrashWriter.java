package io.pgactive.tools.store;

import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.VersionSequence;
import io.pgactive.tools.testing.Snapshots;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/**
 * A child JVM for the crash test: publishes snapshots into a store as the service would, numbered by the database's
 * version mark, and prints {@code P <version> <collected_at ms>} for each one once it was handed to the store. It
 * runs until killed.
 */
public final class CrashWriter {

    private CrashWriter() {}

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        int nodes = Integer.parseInt(args[1]);
        long periodNanos = Long.parseLong(args[2]) * 1_000_000L;
        HistoryDb db = HistoryDb.open(file);
        VersionSequence versions = new VersionSequence(db.versionMark(0), 100);
        String[] names = new String[nodes];
        for (int i = 0; i < nodes; i++) {
            names[i] = "node" + i;
        }
        HistoryStore store =
                new HistoryStore(db, new EventDeriver(5, 15, 3), ToolsConfig.Retention.DEFAULT, 32L << 20, 50_000);
        store.start();
        Snapshots s = new Snapshots(Instant.now(), 1, names);
        long next = System.nanoTime();
        for (long i = 0; ; i++) {
            s.version = versions.next() - 1;
            s.now = Instant.now().minusMillis(s.stepMillis);
            s.node("node" + (i % nodes)).lag = (double) (i % 20); // threshold crossings: events too
            PublishedSnapshot p = s.next();
            store.offer(p);
            System.out.println(
                    "P " + p.version() + " " + p.snapshot().collectedAt().toEpochMilli());
            System.out.flush();
            next += periodNanos;
            LockSupport.parkNanos(next - System.nanoTime());
        }
    }
}
