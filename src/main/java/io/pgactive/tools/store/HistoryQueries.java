package io.pgactive.tools.store;

import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Read side of the history database. Every query is bounded (a time range and a row limit) and runs on a pooled
 * read-only connection, alongside the writer thanks to WAL. Rows come back as ordered maps with snake_case keys;
 * columns named {@code at} or ending in {@code _at} are times.
 */
public final class HistoryQueries {

    /** Outcome of looking a version up: gone means the summary is kept but the full snapshot has been thinned. */
    public record StoredSnapshot(long version, byte[] json, boolean gone) {
    }

    private final HistoryDb db;

    public HistoryQueries(HistoryDb db) {
        this.db = db;
    }

    public List<Map<String, Object>> snapshots(Instant from, Instant to, Long before, int limit) {
        return db.read(c -> rows(c, "SELECT version, collected_at, cluster_status, nodes_total, nodes_healthy, max_lag_seconds,"
                + " EXISTS (SELECT 1 FROM snapshot_json j WHERE j.version = snapshots.version) AS full_snapshot FROM snapshots WHERE collected_at >= ? AND collected_at < ? AND version < ?"
                + " ORDER BY version DESC LIMIT ?", from.toEpochMilli(), to.toEpochMilli(), before == null ? Long.MAX_VALUE : before, limit));
    }

    public Optional<StoredSnapshot> snapshot(long version) {
        return db.read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT j.json FROM snapshots s LEFT JOIN snapshot_json j USING (version)"
                    + " WHERE s.version = ?")) {
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

    private static final String RECORDED = "SELECT count(*) FROM snapshots WHERE version = ?";
    private static final String NEXT_VERSION = "SELECT min(version) FROM snapshots WHERE version > ?";
    private static final String PREVIOUS_VERSION = "SELECT max(version) FROM snapshots WHERE version < ?";

    /**
     * Whether a version the history has no row for was never published: versions both before and after it are
     * recorded, so it was not taken by retention. A restart leaves such a gap (versions are reserved in blocks).
     *
     * @return the first version published after the gap, when {@code version} is in one
     */
    public OptionalLong publishedAfterGap(long version) {
        return db.read(c -> {
            if (single(c, RECORDED, version) > 0) {
                return OptionalLong.empty();
            }
            long before = single(c, PREVIOUS_VERSION, version);
            long after = single(c, NEXT_VERSION, version);
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

    public List<Map<String, Object>> nodes() {
        return db.read(c -> rows(c, NODE_SELECT + " ORDER BY name"));
    }

    private static final String NODE_SELECT = "SELECT name, status, present = 1 AS present, roles, server_version, pgactive_version,"
            + " error_class, first_seen_at, last_seen_at, last_version FROM nodes";

    public Optional<Map<String, Object>> node(String name) {
        return db.read(c -> {
            List<Map<String, Object>> rows = rows(c, NODE_SELECT + " WHERE name = ?", name);
            if (rows.isEmpty()) {
                return Optional.empty();
            }
            Map<String, Object> node = rows.get(0);
            String roles = (String) node.get("roles");
            node.put("roles", roles == null || roles.isEmpty() ? List.of() : List.of(roles.split(",")));
            List<Map<String, Object>> last = rows(c, "SELECT s.at, s.version, " + SAMPLE_COLUMNS + " FROM node_samples s JOIN nodes n"
                    + " ON n.node_id = s.node_id WHERE n.name = ? ORDER BY s.at DESC LIMIT 1", name);
            node.put("last_sample", last.isEmpty() ? null : status(last.get(0)));
            return Optional.of(node);
        });
    }

    public boolean nodeExists(String name) {
        return db.read(c -> !rows(c, "SELECT 1 FROM nodes WHERE name = ?", name).isEmpty());
    }

    private static final String SAMPLE_COLUMNS = "s.status, s.failures AS consecutive_failures, s.lag_seconds, s.lag_bytes, s.lag_xid,"
            + " s.conflicts_minute AS conflict_count, s.conflicts_total, s.walsender_active, s.wal_receiver_active, s.in_recovery,"
            + " s.replay_delay_seconds";

    /**
     * A node's samples in [from, to): every full-resolution sample and, where those have been folded, one row per
     * minute; with a step, both are aggregated into buckets of that length (worst status, mean and max lag).
     */
    public List<Map<String, Object>> history(String name, Instant from, Instant to, Duration step, int limit) {
        long f = from.toEpochMilli();
        long t = to.toEpochMilli();
        String union = "SELECT at, status, lag_seconds, lag_seconds AS lag_seconds_max, lag_bytes, lag_xid, conflicts_minute,"
                + " conflicts_total, walsender_active, wal_receiver_active, in_recovery, 1 AS samples FROM node_samples"
                + " WHERE node_id = (SELECT node_id FROM nodes WHERE name = ?1) AND at >= ?2 AND at < ?3"
                + " UNION ALL SELECT at, status, lag_seconds, lag_seconds_max, lag_bytes, lag_xid, conflicts_minute, conflicts_total,"
                + " CASE WHEN walsender_down > 0 THEN 0 ELSE NULL END, NULL, NULL, samples FROM node_minutes"
                + " WHERE node_id = (SELECT node_id FROM nodes WHERE name = ?1) AND at >= ?2 AND at < ?3";
        String sql;
        if (step == null) {
            sql = "SELECT at, status, lag_seconds, lag_bytes, lag_xid, conflicts_minute AS conflict_count, conflicts_total,"
                    + " walsender_active, wal_receiver_active, in_recovery, samples FROM (" + union + ") ORDER BY at LIMIT ?4";
        } else {
            sql = "SELECT (at - ?2) / ?5 * ?5 + ?2 AS at, max(status) AS status, sum(lag_seconds * samples) / sum(CASE WHEN"
                    + " lag_seconds IS NULL THEN 0 ELSE samples END) AS lag_seconds, max(lag_seconds_max) AS lag_seconds_max,"
                    + " max(lag_bytes) AS lag_bytes, max(lag_xid) AS lag_xid, max(conflicts_minute) AS conflict_count,"
                    + " max(conflicts_total) AS conflicts_total, min(walsender_active) AS walsender_active,"
                    + " min(wal_receiver_active) AS wal_receiver_active, max(in_recovery) AS in_recovery, sum(samples) AS samples"
                    + " FROM (" + union + ") GROUP BY 1 ORDER BY 1 LIMIT ?4";
        }
        return db.read(c -> {
            List<Map<String, Object>> out = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement(sql)) {
                p.setString(1, name);
                p.setLong(2, f);
                p.setLong(3, t);
                p.setInt(4, limit);
                if (step != null) {
                    p.setLong(5, step.toMillis());
                }
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(status(row(rs)));
                    }
                }
            }
            return out;
        });
    }

    public List<Map<String, Object>> events(String node, String type, Instant since, Instant until, Long beforeId, int limit) {
        StringBuilder sql = new StringBuilder("SELECT id, at, version, node, type, from_value AS \"from\", to_value AS \"to\", details"
                + " FROM events WHERE at >= ? AND at < ? AND id < ?");
        List<Object> args = new ArrayList<>(List.of(since.toEpochMilli(), until.toEpochMilli(), beforeId == null ? Long.MAX_VALUE : beforeId));
        if (node != null) {
            sql.append(" AND node = ?");
            args.add(node);
        }
        if (type != null) {
            sql.append(" AND type = ?");
            args.add(type);
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        args.add(limit);
        return db.read(c -> {
            List<Map<String, Object>> rows = rows(c, sql.toString(), args.toArray());
            for (Map<String, Object> r : rows) {
                Object details = r.get("details");
                if (details != null) {
                    r.put("details", new com.fasterxml.jackson.databind.util.RawValue((String) details));
                }
            }
            return rows;
        });
    }

    /** {@code table} matches {@code schema.name} or just {@code name}. */
    public List<Map<String, Object>> conflicts(String node, String table, Instant since, Instant until, int limit) {
        StringBuilder sql = new StringBuilder("SELECT node, conflict_id, at, conflict_type, resolution, object_schema, object_name,"
                + " remote_node, version FROM conflicts WHERE at >= ? AND at < ?");
        List<Object> args = new ArrayList<>(List.of(since.toEpochMilli(), until.toEpochMilli()));
        if (node != null) {
            sql.append(" AND node = ?");
            args.add(node);
        }
        if (table != null) {
            int dot = table.indexOf('.');
            if (dot > 0) {
                sql.append(" AND object_schema = ? AND object_name = ?");
                args.add(table.substring(0, dot));
                args.add(table.substring(dot + 1));
            } else {
                sql.append(" AND object_name = ?");
                args.add(table);
            }
        }
        sql.append(" ORDER BY at DESC, node, conflict_id DESC LIMIT ?");
        args.add(limit);
        return db.read(c -> rows(c, sql.toString(), args.toArray()));
    }

    private static Map<String, Object> status(Map<String, Object> row) {
        Object s = row.get("status");
        if (s instanceof Number n) {
            row.put("status", io.pgactive.tools.snapshot.NodeStatus.values()[n.intValue()].name());
        }
        for (String b : List.of("walsender_active", "wal_receiver_active", "in_recovery")) {
            if (row.get(b) instanceof Number n) {
                row.put(b, n.intValue() != 0);
            }
        }
        return row;
    }

    private static List<Map<String, Object>> rows(Connection c, String sql, Object... args) throws SQLException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
        }
        return out;
    }

    private static Map<String, Object> row(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            String name = md.getColumnLabel(i);
            Object v = rs.getObject(i);
            if (v != null && (name.equals("at") || name.endsWith("_at"))) {
                v = Instant.ofEpochMilli(((Number) v).longValue());
            } else if (name.equals("present") || name.equals("full_snapshot")) {
                v = v != null && ((Number) v).intValue() != 0;
            }
            row.put(name, v);
        }
        return row;
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
