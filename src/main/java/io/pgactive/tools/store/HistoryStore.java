package io.pgactive.tools.store;

import io.opentelemetry.api.trace.Tracer;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes published snapshots to the history database on its own thread. {@link #offer} never blocks on the disk: it
 * derives the version's events (cheap, in memory) and queues the version for the {@link WriterLoop}, which writes
 * batches through the {@link BatchWriter}, one transaction per batch. The {@link PendingQueue} keeps what waits
 * within {@code maxPendingBytes} of snapshot JSON and {@code maxPendingVersions} versions. A failing disk (full,
 * read-only) marks the store unhealthy; the writer retries with back-off and recovers on its own.
 */
public final class HistoryStore implements AutoCloseable {

    static final int MAX_RECORDED = 1_000;

    /** What health checks, metrics and benchmarks read. */
    public record Status(
            boolean healthy,
            String error,
            long storedVersion,
            int pending,
            long thinned,
            long dropped,
            long batches,
            long samplesWritten) {}

    private final EventDeriver deriver;
    private final BatchWriter writer;
    private final WriterLoop loop;

    // what the next offered version's events are derived against; guarded by this
    private Map<String, EventDeriver.Facts> lastFacts = new TreeMap<>();
    private NodeStatus lastCluster;
    private long lastOffered;
    /** Events from outside the snapshots (guard decisions), written with the next version; bounded. */
    private final List<Event> recorded = new ArrayList<>();

    public HistoryStore(
            HistoryDb db,
            EventDeriver deriver,
            ToolsConfig.Retention retention,
            long maxPendingBytes,
            int maxPendingVersions) {
        this.deriver = deriver;
        this.writer = new BatchWriter(db.writer());
        this.loop = new WriterLoop(
                writer, new Retention(retention, db.writer()), new PendingQueue(maxPendingBytes, maxPendingVersions));
        resumeEvents(db);
    }

    /** Events continue from the newest stored version: its cluster status and each present node's last sample. */
    private void resumeEvents(HistoryDb db) {
        try (Statement s = db.writer().createStatement()) {
            try (ResultSet rs = s.executeQuery(StoreSql.LOAD_NEWEST_SNAPSHOT)) {
                if (rs.next()) {
                    lastOffered = rs.getLong(1);
                    lastCluster = NodeStatus.valueOf(rs.getString(2));
                }
            }
            try (ResultSet rs = s.executeQuery(StoreSql.LOAD_NEWEST_FACTS)) {
                while (rs.next()) {
                    double lagValue = rs.getDouble(3);
                    Double lag = rs.wasNull() ? null : lagValue;
                    int conflictValue = rs.getInt(4);
                    Integer conflicts = rs.wasNull() ? null : conflictValue;
                    lastFacts.put(
                            rs.getString(1),
                            new EventDeriver.Facts(
                                    NodeStatus.values()[rs.getInt(2)],
                                    deriver.lagLevel(lag),
                                    deriver.conflictLevel(conflicts),
                                    bool(rs, 5),
                                    bool(rs, 6),
                                    bool(rs, 7)));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the history database state: " + e.getMessage(), e);
        }
    }

    private static Boolean bool(ResultSet rs, int column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v != 0;
    }

    /** The newest conflict id stored for {@code node}, 0 when none: where the ledger resumes copying. */
    public long conflictCursor(String node) {
        return writer.conflictCursor(node);
    }

    public void start() {
        loop.start();
    }

    /** Queues a published snapshot; returns at once. Versions at or below one already queued are ignored. */
    public synchronized void offer(PublishedSnapshot p) {
        if (p.version() <= lastOffered || !loop.accepting()) {
            return;
        }
        lastOffered = p.version();
        List<Event> events = deriver.derive(lastFacts, lastCluster, p.snapshot());
        if (!recorded.isEmpty()) {
            events = new ArrayList<>(events);
            events.addAll(0, recorded);
            recorded.clear();
        }
        lastFacts = deriver.facts(p.snapshot());
        lastCluster = p.snapshot().cluster().status();
        loop.enqueue(PendingVersion.of(p, events));
    }

    /**
     * Records an event that no snapshot comparison derives (a guard's decision); it is written with the next version.
     * Returns at once; past {@link #MAX_RECORDED} waiting events the oldest are dropped.
     */
    public synchronized void record(Event event) {
        recorded.add(event);
        if (recorded.size() > MAX_RECORDED) {
            recorded.remove(0);
        }
    }

    public Status status() {
        WriterLoop.State s = loop.state();
        return new Status(
                s.healthy(),
                s.error(),
                writer.storedVersion(),
                s.pending(),
                s.thinned(),
                s.dropped(),
                writer.batches(),
                writer.samplesWritten());
    }

    /** Runs retention to completion now (tests, benchmarks, operators). */
    public void retainNow() {
        loop.retainNow();
    }

    /** Spans for store writes when tracing is on; the default tracer does nothing. */
    public void traceWith(Tracer tracer) {
        writer.traceWith(tracer);
    }

    /** Stops accepting work, writes what is queued (when the disk allows), and stops the writer. */
    @Override
    public void close() {
        loop.close();
    }
}
