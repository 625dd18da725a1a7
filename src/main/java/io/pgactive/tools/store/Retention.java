package io.pgactive.tools.store;

import io.pgactive.tools.config.ToolsConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies {@code database.retention.*} in small steps, each its own short transaction, so the writer can interleave
 * new snapshots between steps and readers never wait on a long delete. Ages are measured from the newest stored
 * snapshot, so a service that was down for a while does not lose the history it could not add to.
 */
final class Retention {

    /** Rows touched per step: a few milliseconds of work, keeping the write lock short. */
    static final int CHUNK = 5_000;
    private static final long MINUTE = 60_000;
    /** Samples folded per step: one hour of one node. */
    private static final long FOLD_SPAN = 3_600_000;

    private final ToolsConfig.Retention config;
    private final Connection c;

    Retention(ToolsConfig.Retention config, Connection c) {
        this.config = config;
        this.c = c;
    }

    /** Runs one step; {@code true} when more work remains. */
    boolean step(long now) throws SQLException {
        if (foldSamples(now - config.samples().toMillis())) {
            return true;
        }
        if (deleteMinutes(now - config.downsampled().toMillis())) {
            return true;
        }
        if (chunk("DELETE FROM snapshot_json WHERE version IN (SELECT j.version FROM snapshot_json j JOIN snapshots s USING (version)"
                + " WHERE s.collected_at < ? ORDER BY j.version LIMIT " + CHUNK + ")", now - config.snapshots().toMillis())) {
            return true;
        }
        if (chunk("DELETE FROM snapshots WHERE version IN (SELECT version FROM snapshots WHERE collected_at < ? ORDER BY version LIMIT "
                + CHUNK + ")", now - config.samples().toMillis())) {
            return true;
        }
        if (chunk("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < ? LIMIT " + CHUNK + ")",
                now - config.events().toMillis())) {
            return true;
        }
        return chunk("DELETE FROM conflicts WHERE (node, conflict_id) IN (SELECT node, conflict_id FROM conflicts WHERE at < ? LIMIT "
                + CHUNK + ")", now - config.conflicts().toMillis());
    }

    /** Gives pages freed by deletes back to the file system, a bounded number at a time. */
    void vacuum() throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA incremental_vacuum(2000)");
        }
    }

    private boolean chunk(String sql, long cutoff) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setLong(1, cutoff);
            return p.executeUpdate() >= CHUNK;
        }
    }

    /**
     * Folds the oldest full-resolution samples of one node into per-minute rows, whole minutes only, up to one hour
     * per step: worst status, mean and max lag, max of the counters, and how many samples saw the WAL sender down.
     */
    private boolean foldSamples(long cutoff) throws SQLException {
        long end = Math.floorDiv(cutoff, MINUTE) * MINUTE;
        for (long node : nodeIds()) {
            long oldest;
            try (PreparedStatement p = c.prepareStatement("SELECT min(at) FROM node_samples WHERE node_id = ?")) {
                p.setLong(1, node);
                try (ResultSet rs = p.executeQuery()) {
                    oldest = rs.getLong(1);
                    if (rs.wasNull() || oldest >= end) {
                        continue;
                    }
                }
            }
            long from = Math.floorDiv(oldest, MINUTE) * MINUTE;
            long to = Math.min(end, from + FOLD_SPAN);
            c.setAutoCommit(false);
            try {
                try (PreparedStatement p = c.prepareStatement("INSERT INTO node_minutes (node_id, at, samples, status, lag_seconds,"
                        + " lag_seconds_max, lag_bytes, lag_xid, conflicts_minute, conflicts_total, walsender_down)"
                        + " SELECT node_id, (at / 60000) * 60000, count(*), max(status), avg(lag_seconds), max(lag_seconds),"
                        + " max(lag_bytes), max(lag_xid), max(conflicts_minute), max(conflicts_total),"
                        + " sum(CASE WHEN walsender_active = 0 THEN 1 ELSE 0 END)"
                        + " FROM node_samples WHERE node_id = ? AND at >= ? AND at < ? GROUP BY 1, 2"
                        + " ON CONFLICT (node_id, at) DO NOTHING")) {
                    p.setLong(1, node);
                    p.setLong(2, from);
                    p.setLong(3, to);
                    p.executeUpdate();
                }
                try (PreparedStatement p = c.prepareStatement("DELETE FROM node_samples WHERE node_id = ? AND at >= ? AND at < ?")) {
                    p.setLong(1, node);
                    p.setLong(2, from);
                    p.setLong(3, to);
                    p.executeUpdate();
                }
                c.commit();
            } catch (SQLException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // already rolled back by SQLite
                }
                throw e;
            } finally {
                HistoryStore.autoCommit(c);
            }
            return true;
        }
        return false;
    }

    private boolean deleteMinutes(long cutoff) throws SQLException {
        boolean more = false;
        for (long node : nodeIds()) {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM node_minutes WHERE node_id = ? AND at IN"
                    + " (SELECT at FROM node_minutes WHERE node_id = ? AND at < ? ORDER BY at LIMIT " + CHUNK + ")")) {
                p.setLong(1, node);
                p.setLong(2, node);
                p.setLong(3, cutoff);
                more |= p.executeUpdate() >= CHUNK;
            }
        }
        return more;
    }

    private List<Long> nodeIds() throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT node_id FROM nodes ORDER BY node_id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }
}
