package io.pgactive.tools.store;

import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.snapshot.ClusterSummary;
import io.pgactive.tools.snapshot.ConflictRecord;
import io.pgactive.tools.snapshot.NodeMetrics;
import io.pgactive.tools.snapshot.NodeState;
import io.pgactive.tools.snapshot.NodeStatus;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.Snapshot;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.jboss.logging.Logger;

/**
 * Writes published snapshots to the history database on its own thread. {@link #offer} never blocks on the disk: it
 * derives the version's events (cheap, in memory) and queues the version. The writer drains the queue in batches,
 * one transaction per batch. When the queue holds more than {@code maxPendingBytes} of snapshot JSON, the oldest
 * pending versions are thinned (their JSON and samples dropped, their summary, events and conflicts kept); beyond
 * {@code maxPendingVersions} the oldest summaries are dropped too, their events and conflicts carried forward. A
 * failing disk (full, read-only) marks the store unhealthy; the writer retries with back-off and recovers on its own.
 */
public final class HistoryStore implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(HistoryStore.class);
    private static final int MAX_BATCH = 256;
    static final int MAX_RECORDED = 1_000;
    private static final Duration RETENTION_EVERY = Duration.ofMinutes(1);
    private static final Duration RETRY_MAX = Duration.ofSeconds(30);

    /** What health checks, metrics and benchmarks read. */
    public record Status(boolean healthy, String error, long storedVersion, int pending, long thinned, long dropped,
                         long batches, long samplesWritten) {
    }

    private static final class Pending {
        final long version;
        final Instant at;
        final ClusterSummary cluster;
        Snapshot snapshot;
        byte[] json;
        final List<Event> events;
        final List<ConflictRecord> conflicts;

        Pending(PublishedSnapshot p, List<Event> events) {
            this.version = p.version();
            this.at = p.snapshot().collectedAt();
            this.cluster = p.snapshot().cluster();
            this.snapshot = p.snapshot();
            this.json = p.json();
            this.events = new ArrayList<>(events);
            this.conflicts = new ArrayList<>(p.conflicts());
        }
    }

    private final HistoryDb db;
    private final EventDeriver deriver;
    private final ToolsConfig.Retention retentionConfig;
    private final long maxPendingBytes;
    private final int maxPendingVersions;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private long pendingBytes;
    private Map<String, EventDeriver.Facts> lastFacts = new TreeMap<>();
    /** Events from outside the snapshots (guard decisions), written with the next version; bounded. */
    private final List<Event> recorded = new ArrayList<>();
    private NodeStatus lastCluster;
    private long lastOffered;
    private boolean running;
    private boolean writing;
    private Thread thread;

    private final Map<String, Long> nodeIds = new HashMap<>();
    private final Set<String> present = new HashSet<>();
    private final Map<String, Long> conflictCursors = new HashMap<>();
    private Retention retention;
    private long nextRetention;
    private boolean retentionBusy;

    private volatile boolean healthy = true;
    private volatile String error;
    private volatile long storedVersion;
    private volatile long thinned;
    private volatile long dropped;
    private volatile long batches;
    private volatile long samplesWritten;
    private volatile io.opentelemetry.api.trace.Tracer tracer = io.opentelemetry.api.trace.TracerProvider.noop().get("pgactive-tools");

    public HistoryStore(HistoryDb db, EventDeriver deriver, ToolsConfig.Retention retention, long maxPendingBytes,
                        int maxPendingVersions) {
        this.db = db;
        this.deriver = deriver;
        this.retentionConfig = retention;
        this.maxPendingBytes = maxPendingBytes;
        this.maxPendingVersions = maxPendingVersions;
        this.retention = new Retention(retention, db.writer());
        load();
    }

    /** Picks up where the last run stopped: node ids, conflict cursors, and the facts events continue from. */
    private void load() {
        Connection c = db.writer();
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT name, node_id, present FROM nodes")) {
                while (rs.next()) {
                    nodeIds.put(rs.getString(1), rs.getLong(2));
                    if (rs.getInt(3) == 1) {
                        present.add(rs.getString(1));
                    }
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT node, last_id FROM conflict_cursors")) {
                while (rs.next()) {
                    conflictCursors.put(rs.getString(1), rs.getLong(2));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT version, cluster_status FROM snapshots ORDER BY version DESC LIMIT 1")) {
                if (rs.next()) {
                    storedVersion = rs.getLong(1);
                    lastOffered = storedVersion;
                    lastCluster = NodeStatus.valueOf(rs.getString(2));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT n.name, s.status, s.lag_seconds, s.conflicts_minute, s.walsender_active,"
                    + " s.wal_receiver_active, s.in_recovery FROM nodes n JOIN node_samples s ON s.node_id = n.node_id"
                    + " AND s.at = (SELECT max(at) FROM node_samples x WHERE x.node_id = n.node_id)"
                    + " WHERE n.present = 1")) {
                while (rs.next()) {
                    double lagValue = rs.getDouble(3);
                    Double lag = rs.wasNull() ? null : lagValue;
                    int conflictValue = rs.getInt(4);
                    Integer conflicts = rs.wasNull() ? null : conflictValue;
                    lastFacts.put(rs.getString(1), new EventDeriver.Facts(NodeStatus.values()[rs.getInt(2)],
                            deriver.lagLevel(lag), deriver.conflictLevel(conflicts),
                            bool(rs, 5), bool(rs, 6), bool(rs, 7)));
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
        lock.lock();
        try {
            return conflictCursors.getOrDefault(node, 0L);
        } finally {
            lock.unlock();
        }
    }

    public void start() {
        lock.lock();
        try {
            running = true;
        } finally {
            lock.unlock();
        }
        thread = new Thread(this::run, "history-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a published snapshot; returns at once. Versions at or below one already queued are ignored. */
    public void offer(PublishedSnapshot p) {
        lock.lock();
        try {
            if (p.version() <= lastOffered || (thread != null && !running)) {
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
            queue.addLast(new Pending(p, events));
            pendingBytes += p.json().length;
            coalesce();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records an event that no snapshot comparison derives (a guard's decision); it is written with the next version.
     * Returns at once; past {@link #MAX_RECORDED} waiting events the oldest are dropped.
     */
    public void record(Event event) {
        lock.lock();
        try {
            recorded.add(event);
            if (recorded.size() > MAX_RECORDED) {
                recorded.remove(0);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Keeps the queue within bounds; called with the lock held. */
    private void coalesce() {
        Iterator<Pending> it = queue.iterator();
        while (pendingBytes > maxPendingBytes && it.hasNext()) {
            Pending p = it.next();
            if (p.json != null && it.hasNext()) {
                pendingBytes -= p.json.length;
                p.json = null;
                p.snapshot = null;
                thinned++;
            }
        }
        while (queue.size() > maxPendingVersions) {
            Pending oldest = queue.removeFirst();
            Pending next = queue.peekFirst();
            next.events.addAll(0, oldest.events);
            next.conflicts.addAll(0, oldest.conflicts);
            if (oldest.json != null) {
                pendingBytes -= oldest.json.length;
            }
            dropped++;
        }
    }

    public Status status() {
        lock.lock();
        try {
            return new Status(healthy, error, storedVersion, queue.size(), thinned, dropped, batches, samplesWritten);
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        Duration retry = Duration.ofMillis(250);
        while (true) {
            List<Pending> batch = new ArrayList<>();
            lock.lock();
            try {
                while (running && queue.isEmpty() && !retentionDue()) {
                    long wait = retentionBusy ? 0 : nextRetention - System.currentTimeMillis();
                    changed.await(Math.max(wait, 1), TimeUnit.MILLISECONDS);
                }
                if (!running && (queue.isEmpty() || !healthy)) {
                    return;
                }
                while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
                    Pending p = queue.removeFirst();
                    if (p.json != null) {
                        pendingBytes -= p.json.length;
                    }
                    batch.add(p);
                }
                writing = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            try {
                if (!batch.isEmpty()) {
                    writeTraced(batch);
                } else {
                    retain();
                }
                if (!healthy) {
                    LOG.infof("history database writable again at version %d", storedVersion);
                }
                healthy = true;
                error = null;
                retry = Duration.ofMillis(250);
            } catch (SQLException | RuntimeException e) {
                String message = e.getMessage();
                if (healthy) {
                    LOG.errorf("history database write failed, live data keeps flowing and writes are retried: %s", message);
                }
                healthy = false;
                error = message;
                requeue(batch);
                if (!pause(retry)) {
                    return;
                }
                retry = retry.multipliedBy(2).compareTo(RETRY_MAX) > 0 ? RETRY_MAX : retry.multipliedBy(2);
            } finally {
                lock.lock();
                try {
                    writing = false;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    private boolean retentionDue() {
        return retentionBusy || System.currentTimeMillis() >= nextRetention;
    }

    /** Waits before a retry, returning early (false) when the store closes. */
    private boolean pause(Duration d) {
        lock.lock();
        try {
            long deadline = System.nanoTime() + d.toNanos();
            while (running) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                changed.awaitNanos(left);
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void requeue(List<Pending> batch) {
        lock.lock();
        try {
            for (int i = batch.size() - 1; i >= 0; i--) {
                Pending p = batch.get(i);
                queue.addFirst(p);
                if (p.json != null) {
                    pendingBytes += p.json.length;
                }
            }
            coalesce();
        } finally {
            lock.unlock();
        }
    }

    private void retain() throws SQLException {
        long now = storedAt();
        if (now == 0) {
            retentionBusy = false;
            nextRetention = System.currentTimeMillis() + RETENTION_EVERY.toMillis();
            return;
        }
        retentionBusy = retention.step(now);
        if (!retentionBusy) {
            retention.vacuum();
            nextRetention = System.currentTimeMillis() + RETENTION_EVERY.toMillis();
        }
    }

    private volatile long storedAt;

    private long storedAt() {
        return storedAt;
    }

    /** Runs retention to completion now (tests, benchmarks, operators). */
    public void retainNow() {
        lock.lock();
        try {
            nextRetention = 0;
            changed.signalAll();
            while (running && (retentionDue() || writing || !queue.isEmpty())) {
                changed.await(100, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Spans for store writes when tracing is on; the default tracer does nothing. */
    public void traceWith(io.opentelemetry.api.trace.Tracer tracer) {
        this.tracer = tracer;
    }

    private void writeTraced(List<Pending> batch) throws SQLException {
        io.opentelemetry.api.trace.Span span = tracer.spanBuilder("store write").setNoParent()
                .setAttribute("pgactive.versions", batch.size())
                .setAttribute("pgactive.version", batch.get(batch.size() - 1).version).startSpan();
        try {
            write(batch);
        } catch (SQLException | RuntimeException e) {
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, String.valueOf(e.getMessage()));
            throw e;
        } finally {
            span.end();
        }
    }

    private void write(List<Pending> batch) throws SQLException {
        Connection c = db.writer();
        c.setAutoCommit(false);
        Map<String, Long> newIds = new HashMap<>();
        Map<String, Long> cursors = new HashMap<>();
        long samples = 0;
        try (PreparedStatement snap = c.prepareStatement("INSERT OR IGNORE INTO snapshots (version, collected_at, cluster_status,"
                + " nodes_total, nodes_healthy, max_lag_seconds) VALUES (?, ?, ?, ?, ?, ?)");
             PreparedStatement full = c.prepareStatement("INSERT OR IGNORE INTO snapshot_json (version, json) VALUES (?, ?)");
             PreparedStatement sample = c.prepareStatement("INSERT OR IGNORE INTO node_samples (node_id, at, version, status,"
                     + " failures, lag_seconds, lag_bytes, lag_xid, conflicts_minute, conflicts_total, walsender_active,"
                     + " wal_receiver_active, in_recovery, replay_delay_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement event = c.prepareStatement("INSERT INTO events (at, version, node, type, from_value, to_value,"
                     + " details) VALUES (?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement conflict = c.prepareStatement("INSERT OR IGNORE INTO conflicts (node, conflict_id, at,"
                     + " conflict_type, resolution, object_schema, object_name, remote_node, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            Pending newest = null;
            for (Pending p : batch) {
                snap.setLong(1, p.version);
                snap.setLong(2, p.at.toEpochMilli());
                snap.setString(3, p.cluster.status().name());
                snap.setInt(4, p.cluster.nodesTotal());
                snap.setInt(5, p.cluster.nodesHealthy());
                setDouble(snap, 6, p.cluster.maxLagSeconds());
                snap.addBatch();
                if (p.json != null) {
                    full.setLong(1, p.version);
                    full.setBytes(2, deflate(p.json));
                    full.addBatch();
                }
                if (p.snapshot != null) {
                    newest = p;
                    for (NodeState n : p.snapshot.nodes().values()) {
                        sample.setLong(1, nodeId(c, n, p, newIds));
                        bindSample(sample, p, n);
                        sample.addBatch();
                        samples++;
                    }
                }
                for (Event e : p.events) {
                    event.setLong(1, e.at().toEpochMilli());
                    event.setLong(2, e.version());
                    event.setString(3, e.node());
                    event.setString(4, e.type());
                    event.setString(5, e.from());
                    event.setString(6, e.to());
                    event.setString(7, e.details());
                    event.addBatch();
                }
                for (ConflictRecord r : p.conflicts) {
                    conflict.setString(1, r.node());
                    conflict.setLong(2, r.conflictId());
                    conflict.setLong(3, r.at().toEpochMilli());
                    conflict.setString(4, r.type());
                    conflict.setString(5, r.resolution());
                    conflict.setString(6, r.objectSchema());
                    conflict.setString(7, r.objectName());
                    conflict.setString(8, r.remoteNode());
                    conflict.setLong(9, p.version);
                    conflict.addBatch();
                    cursors.merge(r.node(), r.conflictId(), Math::max);
                }
            }
            snap.executeBatch();
            full.executeBatch();
            sample.executeBatch();
            event.executeBatch();
            conflict.executeBatch();
            updateCursors(c, cursors);
            if (newest != null) {
                updateNodes(c, newest);
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            rollback(c);
            throw e;
        } finally {
            autoCommit(c);
        }
        lock.lock();
        try {
            nodeIds.putAll(newIds);
            cursors.forEach((k, v) -> conflictCursors.merge(k, v, Math::max));
        } finally {
            lock.unlock();
        }
        Pending last = batch.get(batch.size() - 1);
        storedVersion = last.version;
        storedAt = last.at.toEpochMilli();
        batches++;
        samplesWritten += samples;
    }

    /** After SQLITE_FULL SQLite has already rolled back, and leaving a transaction that is gone must not mask why. */
    static void autoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the connection is in autocommit mode again either way
        }
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the failed transaction is rolled back by SQLite itself when it cannot be
        }
    }

    private long nodeId(Connection c, NodeState n, Pending p, Map<String, Long> newIds) throws SQLException {
        Long id = nodeIds.get(n.name());
        if (id == null) {
            id = newIds.get(n.name());
        }
        if (id != null) {
            return id;
        }
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO nodes (name, first_seen_at, last_seen_at, last_version, status)"
                + " VALUES (?, ?, ?, ?, ?) RETURNING node_id")) {
            ins.setString(1, n.name());
            ins.setLong(2, p.at.toEpochMilli());
            ins.setLong(3, p.at.toEpochMilli());
            ins.setLong(4, p.version);
            ins.setString(5, n.status().name());
            try (ResultSet rs = ins.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
            }
        }
        newIds.put(n.name(), id);
        return id;
    }

    private static void bindSample(PreparedStatement s, Pending p, NodeState n) throws SQLException {
        NodeMetrics m = n.metrics() == null ? NodeMetrics.EMPTY : n.metrics();
        s.setLong(2, p.at.toEpochMilli());
        s.setLong(3, p.version);
        s.setInt(4, n.status().ordinal());
        s.setInt(5, n.consecutiveFailures());
        setDouble(s, 6, m.lagSeconds());
        setLong(s, 7, m.lagBytes());
        setLong(s, 8, m.lagXid());
        setLong(s, 9, m.conflictCount() == null ? null : m.conflictCount().longValue());
        setLong(s, 10, m.conflictsTotal());
        setBool(s, 11, m.walsenderActive());
        setBool(s, 12, m.walReceiverActive());
        setBool(s, 13, m.inRecovery());
        setDouble(s, 14, m.replayDelaySeconds());
    }

    private void updateNodes(Connection c, Pending newest) throws SQLException {
        try (PreparedStatement up = c.prepareStatement("UPDATE nodes SET last_seen_at = ?, last_version = ?, status = ?, roles = ?,"
                + " server_version = ?, pgactive_version = ?, error_class = ?, present = 1 WHERE name = ?");
             PreparedStatement gone = c.prepareStatement("UPDATE nodes SET present = 0 WHERE name = ?")) {
            Set<String> now = newest.snapshot.nodes().keySet();
            for (NodeState n : newest.snapshot.nodes().values()) {
                up.setLong(1, newest.at.toEpochMilli());
                up.setLong(2, newest.version);
                up.setString(3, n.status().name());
                up.setString(4, String.join(",", n.roles()));
                up.setString(5, n.serverVersion());
                up.setString(6, n.pgactiveVersion());
                up.setString(7, n.errorClass());
                up.setString(8, n.name());
                up.addBatch();
            }
            up.executeBatch();
            for (String name : present) {
                if (!now.contains(name)) {
                    gone.setString(1, name);
                    gone.addBatch();
                }
            }
            gone.executeBatch();
            present.clear();
            present.addAll(now);
        }
    }

    private static void updateCursors(Connection c, Map<String, Long> cursors) throws SQLException {
        if (cursors.isEmpty()) {
            return;
        }
        try (PreparedStatement p = c.prepareStatement("INSERT INTO conflict_cursors (node, last_id) VALUES (?, ?)"
                + " ON CONFLICT (node) DO UPDATE SET last_id = max(last_id, excluded.last_id)")) {
            for (Map.Entry<String, Long> e : cursors.entrySet()) {
                p.setString(1, e.getKey());
                p.setLong(2, e.getValue());
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    static byte[] deflate(byte[] json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 4 + 16);
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try (DeflaterOutputStream d = new DeflaterOutputStream(out, deflater)) {
            d.write(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } finally {
            deflater.end();
        }
        return out.toByteArray();
    }

    private static void setDouble(PreparedStatement s, int i, Double v) throws SQLException {
        if (v == null || v.isNaN() || v.isInfinite()) {
            s.setNull(i, Types.REAL);
        } else {
            s.setDouble(i, v);
        }
    }

    private static void setLong(PreparedStatement s, int i, Long v) throws SQLException {
        if (v == null) {
            s.setNull(i, Types.INTEGER);
        } else {
            s.setLong(i, v);
        }
    }

    private static void setBool(PreparedStatement s, int i, Boolean v) throws SQLException {
        if (v == null) {
            s.setNull(i, Types.INTEGER);
        } else {
            s.setInt(i, v ? 1 : 0);
        }
    }

    /** Stops accepting work, writes what is queued (when the disk allows), and stops the writer. */
    @Override
    public void close() {
        lock.lock();
        try {
            running = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    HistoryDb db() {
        return db;
    }

    ToolsConfig.Retention retention() {
        return retentionConfig;
    }
}
