package io.pgactive.tools.store;

import static io.pgactive.tools.store.Jdbc.setBool;
import static io.pgactive.tools.store.Jdbc.setDouble;
import static io.pgactive.tools.store.Jdbc.setLong;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.snapshot.ConflictRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes a batch of pending versions in one transaction on the writer connection: summaries, deflated JSON, per-node
 * samples, events and conflicts, then the nodes table from the newest full snapshot. Used by the writer thread only;
 * what other threads read (conflict cursors, progress counters) is safe to read from any thread.
 */
final class BatchWriter {

    private final Connection c;
    /** Node ids and present nodes as committed; only the writer thread touches them. */
    private final Map<String, Long> nodeIds = new HashMap<>();

    private final Set<String> present = new HashSet<>();
    /** Read by the collector's conflict ledger while the writer advances them. */
    private final Map<String, Long> conflictCursors = new ConcurrentHashMap<>();

    private volatile long storedVersion;
    private volatile long storedAt;
    private volatile long batches;
    private volatile long samplesWritten;
    private volatile Tracer tracer = TracerProvider.noop().get("pgactive-tools");

    /** Picks up the node ids, present nodes and conflict cursors the last run committed. */
    BatchWriter(Connection writer) {
        this.c = writer;
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery(StoreSql.LOAD_NODES)) {
                while (rs.next()) {
                    nodeIds.put(rs.getString(1), rs.getLong(2));
                    if (rs.getInt(3) == 1) {
                        present.add(rs.getString(1));
                    }
                }
            }
            try (ResultSet rs = s.executeQuery(StoreSql.LOAD_CONFLICT_CURSORS)) {
                while (rs.next()) {
                    conflictCursors.put(rs.getString(1), rs.getLong(2));
                }
            }
            try (ResultSet rs = s.executeQuery(StoreSql.LOAD_NEWEST_SNAPSHOT)) {
                if (rs.next()) {
                    storedVersion = rs.getLong(1);
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the history database state: " + e.getMessage(), e);
        }
    }

    /** The newest conflict id stored for {@code node}, 0 when none. */
    long conflictCursor(String node) {
        return conflictCursors.getOrDefault(node, 0L);
    }

    long storedVersion() {
        return storedVersion;
    }

    /** Collection time of the newest stored version (epoch ms), 0 before the first batch: retention ages from it. */
    long storedAt() {
        return storedAt;
    }

    long batches() {
        return batches;
    }

    long samplesWritten() {
        return samplesWritten;
    }

    void traceWith(Tracer tracer) {
        this.tracer = tracer;
    }

    void write(List<PendingVersion> batch) throws SQLException {
        Span span = tracer.spanBuilder("store write")
                .setNoParent()
                .setAttribute("pgactive.versions", batch.size())
                .setAttribute("pgactive.version", batch.get(batch.size() - 1).version)
                .startSpan();
        try {
            writeInTransaction(batch);
        } catch (SQLException | RuntimeException e) {
            span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
            throw e;
        } finally {
            span.end();
        }
    }

    private void writeInTransaction(List<PendingVersion> batch) throws SQLException {
        c.setAutoCommit(false);
        Map<String, Long> newIds = new HashMap<>();
        Map<String, Long> cursors = new HashMap<>();
        long samples = 0;
        try (PreparedStatement snap = c.prepareStatement(StoreSql.INSERT_SNAPSHOT);
                PreparedStatement full = c.prepareStatement(StoreSql.INSERT_SNAPSHOT_JSON);
                PreparedStatement sample = c.prepareStatement(StoreSql.INSERT_SAMPLE);
                PreparedStatement event = c.prepareStatement(StoreSql.INSERT_EVENT);
                PreparedStatement conflict = c.prepareStatement(StoreSql.INSERT_CONFLICT)) {
            PendingVersion newest = null;
            for (PendingVersion p : batch) {
                snap.setLong(1, p.version);
                snap.setLong(2, p.at.toEpochMilli());
                snap.setString(3, p.cluster.status().name());
                snap.setInt(4, p.cluster.nodesTotal());
                snap.setInt(5, p.cluster.nodesHealthy());
                setDouble(snap, 6, p.cluster.maxLagSeconds());
                snap.addBatch();
                if (p.json() != null) {
                    full.setLong(1, p.version);
                    full.setBytes(2, deflate(p.json()));
                    full.addBatch();
                }
                if (p.snapshot() != null) {
                    newest = p;
                    for (NodeState n : p.snapshot().nodes().values()) {
                        sample.setLong(1, nodeId(n, p, newIds));
                        bindSample(sample, p, n);
                        sample.addBatch();
                        samples++;
                    }
                }
                for (Event e : p.events) {
                    bindEvent(event, e);
                    event.addBatch();
                }
                for (ConflictRecord r : p.conflicts) {
                    bindConflict(conflict, r, p.version);
                    conflict.addBatch();
                    cursors.merge(r.node(), r.conflictId(), Math::max);
                }
            }
            snap.executeBatch();
            full.executeBatch();
            sample.executeBatch();
            event.executeBatch();
            conflict.executeBatch();
            updateCursors(cursors);
            if (newest != null) {
                updateNodes(newest);
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            Jdbc.rollback(c);
            throw e;
        } finally {
            Jdbc.autoCommit(c);
        }
        nodeIds.putAll(newIds);
        cursors.forEach((k, v) -> conflictCursors.merge(k, v, Math::max));
        PendingVersion last = batch.get(batch.size() - 1);
        storedVersion = last.version;
        storedAt = last.at.toEpochMilli();
        batches++;
        samplesWritten += samples;
    }

    private long nodeId(NodeState n, PendingVersion p, Map<String, Long> newIds) throws SQLException {
        Long id = nodeIds.get(n.name());
        if (id == null) {
            id = newIds.get(n.name());
        }
        if (id != null) {
            return id;
        }
        try (PreparedStatement ins = c.prepareStatement(StoreSql.INSERT_NODE)) {
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

    private static void bindSample(PreparedStatement s, PendingVersion p, NodeState n) throws SQLException {
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

    private static void bindEvent(PreparedStatement s, Event e) throws SQLException {
        s.setLong(1, e.at().toEpochMilli());
        s.setLong(2, e.version());
        s.setString(3, e.node());
        s.setString(4, e.type().wire());
        s.setString(5, e.from());
        s.setString(6, e.to());
        s.setString(7, e.details());
    }

    private static void bindConflict(PreparedStatement s, ConflictRecord r, long version) throws SQLException {
        s.setString(1, r.node());
        s.setLong(2, r.conflictId());
        s.setLong(3, r.at().toEpochMilli());
        s.setString(4, r.type());
        s.setString(5, r.resolution());
        s.setString(6, r.objectSchema());
        s.setString(7, r.objectName());
        s.setString(8, r.remoteNode());
        s.setLong(9, version);
    }

    private void updateNodes(PendingVersion newest) throws SQLException {
        try (PreparedStatement up = c.prepareStatement(StoreSql.UPDATE_NODE);
                PreparedStatement gone = c.prepareStatement(StoreSql.UPDATE_NODE_GONE)) {
            Set<String> now = newest.snapshot().nodes().keySet();
            for (NodeState n : newest.snapshot().nodes().values()) {
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

    private void updateCursors(Map<String, Long> cursors) throws SQLException {
        if (cursors.isEmpty()) {
            return;
        }
        try (PreparedStatement p = c.prepareStatement(StoreSql.UPSERT_CONFLICT_CURSOR)) {
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
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } finally {
            deflater.end();
        }
        return out.toByteArray();
    }
}
