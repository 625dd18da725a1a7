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
        if (chunk(StoreSql.RETENTION_SNAPSHOT_JSON, now - config.snapshots().toMillis())) {
            return true;
        }
        if (chunk(StoreSql.RETENTION_SNAPSHOTS, now - config.samples().toMillis())) {
            return true;
        }
        if (chunk(StoreSql.RETENTION_EVENTS, now - config.events().toMillis())) {
            return true;
        }
        return chunk(StoreSql.RETENTION_CONFLICTS, now - config.conflicts().toMillis());
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
            p.setInt(2, CHUNK);
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
            try (PreparedStatement p = c.prepareStatement(StoreSql.RETENTION_OLDEST_SAMPLE)) {
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
                try (PreparedStatement p = c.prepareStatement(StoreSql.RETENTION_FOLD_SAMPLES)) {
                    p.setLong(1, node);
                    p.setLong(2, from);
                    p.setLong(3, to);
                    p.executeUpdate();
                }
                try (PreparedStatement p = c.prepareStatement(StoreSql.RETENTION_DELETE_FOLDED)) {
                    p.setLong(1, node);
                    p.setLong(2, from);
                    p.setLong(3, to);
                    p.executeUpdate();
                }
                c.commit();
            } catch (SQLException e) {
                Jdbc.rollback(c);
                throw e;
            } finally {
                Jdbc.autoCommit(c);
            }
            return true;
        }
        return false;
    }

    private boolean deleteMinutes(long cutoff) throws SQLException {
        boolean more = false;
        for (long node : nodeIds()) {
            try (PreparedStatement p = c.prepareStatement(StoreSql.RETENTION_NODE_MINUTES)) {
                p.setLong(1, node);
                p.setLong(2, cutoff);
                p.setInt(3, CHUNK);
                more |= p.executeUpdate() >= CHUNK;
            }
        }
        return more;
    }

    private List<Long> nodeIds() throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(StoreSql.RETENTION_NODE_IDS)) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }
}
