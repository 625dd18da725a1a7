package io.pgactive.tools.store;

import io.pgactive.tools.contract.Conflict;
import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.EventType;
import io.pgactive.tools.contract.HistoryPoint;
import io.pgactive.tools.contract.NodeDetail;
import io.pgactive.tools.contract.NodeSample;
import io.pgactive.tools.contract.SnapshotSummary;
import io.pgactive.tools.contract.StoredNode;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Read side of the history database. Every query is bounded (a time range and a row limit) and runs on a pooled
 * read-only connection, alongside the writer thanks to WAL. Rows come back as the API's records; times are stored as
 * epoch milliseconds, booleans as 0/1 and sample statuses as {@link NodeStatus} ordinals.
 */
public final class HistoryQueries {

    /** Outcome of looking a version up: gone means the summary is kept but the full snapshot has been thinned. */
    public record StoredSnapshot(long version, byte[] json, boolean gone) {}

    /** Reads one row into a record. */
    @FunctionalInterface
    private interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private final HistoryDb db;

    public HistoryQueries(HistoryDb db) {
        this.db = db;
    }

    public List<SnapshotSummary> snapshots(Instant from, Instant to, Long before, int limit) {
        return db.read(c -> list(
                c,
                StoreSql.SNAPSHOTS,
                HistoryQueries::summary,
                from.toEpochMilli(),
                to.toEpochMilli(),
                before == null ? Long.MAX_VALUE : before,
                limit));
    }

    public Optional<StoredSnapshot> snapshot(long version) {
        return db.read(c -> {
            try (PreparedStatement p = c.prepareStatement(StoreSql.SNAPSHOT_JSON)) {
                p.setLong(1, version);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    byte[] z = rs.getBytes(1);
                    return Optional.of(new StoredSnapshot(version, z == null ? null : inflate(z), z == null));
                }
            }
        });
    }

    /**
     * Whether a version the history has no row for was never published: versions both before and after it are
     * recorded, so it was not taken by retention. A restart leaves such a gap (versions are reserved in blocks).
     *
     * @return the first version published after the gap, when {@code version} is in one
     */
    public OptionalLong publishedAfterGap(long version) {
        return db.read(c -> {
            if (single(c, StoreSql.VERSION_RECORDED, version) > 0) {
                return OptionalLong.empty();
            }
            long before = single(c, StoreSql.VERSION_PREVIOUS, version);
            long after = single(c, StoreSql.VERSION_NEXT, version);
            return before > 0 && after > 0 ? OptionalLong.of(after) : OptionalLong.empty();
        });
    }

    private static long single(Connection c, String sql, long arg) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setLong(1, arg);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    public List<StoredNode> nodes() {
        return db.read(c -> list(
                c,
                StoreSql.NODES,
                rs -> new StoredNode(
                        rs.getString(1),
                        NodeStatus.valueOf(rs.getString(2)),
                        rs.getInt(3) != 0,
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        instant(rs, 8),
                        instant(rs, 9),
                        rs.getLong(10))));
    }

    public Optional<NodeDetail> node(String name) {
        return db.read(c -> {
            List<NodeSample> last = list(c, StoreSql.NODE_LAST_SAMPLE, HistoryQueries::sample, name);
            return list(
                            c,
                            StoreSql.NODE,
                            rs -> new NodeDetail(
                                    rs.getString(1),
                                    NodeStatus.valueOf(rs.getString(2)),
                                    rs.getInt(3) != 0,
                                    roles(rs.getString(4)),
                                    rs.getString(5),
                                    rs.getString(6),
                                    rs.getString(7),
                                    instant(rs, 8),
                                    instant(rs, 9),
                                    rs.getLong(10),
                                    last.isEmpty() ? null : last.get(0)),
                            name)
                    .stream()
                    .findFirst();
        });
    }

    public boolean nodeExists(String name) {
        return db.read(
                c -> !list(c, StoreSql.NODE_EXISTS, rs -> Boolean.TRUE, name).isEmpty());
    }

    /**
     * A node's samples in [from, to): every full-resolution sample and, where those have been folded, one row per
     * minute; with a step, both are aggregated into buckets of that length (worst status, mean and max lag).
     */
    public List<HistoryPoint> history(String name, Instant from, Instant to, Duration step, int limit) {
        return db.read(c -> {
            List<HistoryPoint> out = new ArrayList<>();
            try (PreparedStatement p =
                    c.prepareStatement(step == null ? StoreSql.NODE_HISTORY : StoreSql.NODE_HISTORY_BUCKETS)) {
                p.setString(1, name);
                p.setLong(2, from.toEpochMilli());
                p.setLong(3, to.toEpochMilli());
                p.setInt(4, limit);
                if (step != null) {
                    p.setLong(5, step.toMillis());
                }
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(step == null ? point(rs) : bucket(rs));
                    }
                }
            }
            return out;
        });
    }

    /** {@code type} and {@code node} are optional filters. */
    public List<Event> events(String node, EventType type, Instant since, Instant until, Long beforeId, int limit) {
        return db.read(c -> list(
                c,
                StoreSql.EVENTS,
                rs -> new Event(
                        rs.getLong(1),
                        instant(rs, 2),
                        rs.getLong(3),
                        rs.getString(4),
                        eventType(rs.getString(5)),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8)),
                since.toEpochMilli(),
                until.toEpochMilli(),
                beforeId == null ? Long.MAX_VALUE : beforeId,
                node,
                type == null ? null : type.wire(),
                limit));
    }

    /** {@code table} matches {@code schema.name} or just {@code name}; it and {@code node} are optional filters. */
    public List<Conflict> conflicts(String node, String table, Instant since, Instant until, int limit) {
        int dot = table == null ? -1 : table.indexOf('.');
        String schema = dot > 0 ? table.substring(0, dot) : null;
        String name = dot > 0 ? table.substring(dot + 1) : table;
        return db.read(c -> list(
                c,
                StoreSql.CONFLICTS,
                rs -> new Conflict(
                        rs.getString(1),
                        rs.getLong(2),
                        instant(rs, 3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8),
                        rs.getLong(9)),
                since.toEpochMilli(),
                until.toEpochMilli(),
                node,
                schema,
                name,
                limit));
    }

    private static SnapshotSummary summary(ResultSet rs) throws SQLException {
        return new SnapshotSummary(
                rs.getLong(1),
                instant(rs, 2),
                NodeStatus.valueOf(rs.getString(3)),
                rs.getInt(4),
                rs.getInt(5),
                real(rs, 6),
                rs.getInt(7) != 0);
    }

    private static NodeSample sample(ResultSet rs) throws SQLException {
        return new NodeSample(
                instant(rs, 1),
                rs.getLong(2),
                status(rs, 3),
                rs.getInt(4),
                real(rs, 5),
                integer(rs, 6),
                integer(rs, 7),
                smallInteger(rs, 8),
                integer(rs, 9),
                bool(rs, 10),
                bool(rs, 11),
                bool(rs, 12),
                real(rs, 13));
    }

    /** A row of {@code node_history.sql}: a sample or a folded minute. */
    private static HistoryPoint point(ResultSet rs) throws SQLException {
        return new HistoryPoint(
                instant(rs, 1),
                status(rs, 2),
                real(rs, 3),
                null,
                integer(rs, 4),
                integer(rs, 5),
                smallInteger(rs, 6),
                integer(rs, 7),
                bool(rs, 8),
                bool(rs, 9),
                bool(rs, 10),
                smallInteger(rs, 11));
    }

    /** A row of {@code node_history_buckets.sql}. */
    private static HistoryPoint bucket(ResultSet rs) throws SQLException {
        return new HistoryPoint(
                instant(rs, 1),
                status(rs, 2),
                real(rs, 3),
                real(rs, 4),
                integer(rs, 5),
                integer(rs, 6),
                smallInteger(rs, 7),
                integer(rs, 8),
                bool(rs, 9),
                bool(rs, 10),
                bool(rs, 11),
                smallInteger(rs, 12));
    }

    private static EventType eventType(String stored) {
        return EventType.fromWire(stored)
                .orElseThrow(() -> new StoreException(
                        "event type '" + stored + "' in the history database is unknown to this release", null));
    }

    private static List<String> roles(String stored) {
        return stored == null || stored.isEmpty() ? List.of() : List.of(stored.split(","));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static NodeStatus status(ResultSet rs, int column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : NodeStatus.values()[v];
    }

    private static Double real(ResultSet rs, int column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : v;
    }

    private static Long integer(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static Integer smallInteger(ResultSet rs, int column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    private static Boolean bool(ResultSet rs, int column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v != 0;
    }

    private static <T> List<T> list(Connection c, String sql, RowReader<T> reader, Object... args) throws SQLException {
        List<T> out = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(reader.read(rs));
                }
            }
        }
        return out;
    }

    static byte[] inflate(byte[] z) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(z);
            ByteArrayOutputStream out = new ByteArrayOutputStream(z.length * 6);
            byte[] buf = new byte[16384];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new StoreException("stored snapshot is truncated", null);
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new StoreException("stored snapshot is corrupt: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }
}
