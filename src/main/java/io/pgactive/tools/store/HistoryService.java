package io.pgactive.tools.store;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.snapshot.PublishedHistory;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.snapshot.VersionSequence;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Owns the history database for the service: opened on first use (the collector needs the version mark before its
 * first cycle), fed from the bus, closed on shutdown.
 */
@ApplicationScoped
public class HistoryService implements PublishedHistory {

    private static final Logger LOG = Logger.getLogger(HistoryService.class);
    /** Snapshot JSON allowed to wait for the disk before older versions are thinned. */
    static final long MAX_PENDING_BYTES = 32L << 20;
    /** Versions (mostly thinned summaries) allowed to wait before the oldest are folded into the next. */
    static final int MAX_PENDING_VERSIONS = 50_000;

    @Inject
    ToolsConfig config;

    @Inject
    SnapshotBus bus;

    @Inject
    MeterRegistry registry;

    @Inject
    Tracer tracer;

    private HistoryDb db;
    private HistoryStore store;
    private HistoryQueries queries;
    private Cancellable subscription;
    private final List<Meter> meters = new ArrayList<>();

    private synchronized void open() {
        if (db != null) {
            return;
        }
        Path path = config.database().path();
        db = HistoryDb.open(path);
        ToolsConfig.Thresholds t = config.thresholds();
        store = new HistoryStore(
                db,
                new EventDeriver(t.lagSecondsWarn(), t.lagSecondsCrit(), t.conflictsWarnPerMinute()),
                config.database().retention(),
                MAX_PENDING_BYTES,
                MAX_PENDING_VERSIONS);
        queries = new HistoryQueries(db);
        store.traceWith(tracer);
        store.start();
        // the store's hand-off never blocks, so it can run on the publishing thread
        subscription = bus.follow("history store", null, store::offer);
        // removed again on shutdown: a registry that outlives the application must not keep serving this store
        meters.add(
                Gauge.builder("pgactive.store.healthy", store, s -> s.status().healthy() ? 1 : 0)
                        .description("1 while the history database accepts writes")
                        .register(registry));
        meters.add(
                Gauge.builder("pgactive.store.pending", store, s -> s.status().pending())
                        .description("Versions waiting for the history writer")
                        .register(registry));
        meters.add(Gauge.builder(
                        "pgactive.store.stored.version", store, s -> s.status().storedVersion())
                .description("Newest version in the history database")
                .register(registry));
        meters.add(FunctionCounter.builder(
                        "pgactive.store.thinned", store, s -> s.status().thinned())
                .description("Versions whose samples and JSON were dropped because the writer fell behind")
                .register(registry));
        LOG.infof("history database %s open", path);
    }

    @Override
    public VersionSequence.Mark versionMark() {
        open();
        return db.versionMark(legacyMark(config.database().dataDir().resolve("snapshot-version")));
    }

    /** Releases before this store kept the version mark in a small file; never go below it. */
    static long legacyMark(Path file) {
        try {
            if (!Files.exists(file)) {
                return 0;
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return text.isEmpty() ? 0 : Long.parseLong(text);
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException(
                    "unreadable snapshot version mark " + file
                            + " (refusing to start: versions could be reused); fix or remove it knowingly",
                    e);
        }
    }

    @Override
    public long conflictCursor(String node) {
        open();
        return store.conflictCursor(node);
    }

    public HistoryStore store() {
        open();
        return store;
    }

    public HistoryQueries queries() {
        open();
        return queries;
    }

    void onStop(@Observes ShutdownEvent event) {
        meters.forEach(registry::remove);
        synchronized (this) {
            if (db == null) {
                return;
            }
            if (subscription != null) {
                subscription.cancel();
            }
            store.close();
            db.close();
        }
    }
}
