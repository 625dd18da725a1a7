package io.pgactive.tools.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the pgactive fixture of nodes that really replicate (native logical replication) in step with
 * what pgactive would report, by copying real replication statistics into the {@code _fixture_*} tables.
 *
 * <p>Each {@link Channel} is one real logical slot on an upstream member, consumed by a downstream member.
 * Every tick, each upstream's slot and walsender are read and the resulting rows are written into every
 * member's {@code _fixture_lag}, since the real function gathers the slots of every ready node. An
 * unreachable upstream contributes no rows, again like the real function. When the downstream has the
 * {@code app_events} table of {@link PgCluster}, its newest row from the upstream gives "last applied"
 * (origin xid and time, local commit time) and per-origin counters; conflict counters come from the
 * downstream's conflict history.
 */
public final class PgactiveLiveFeed implements AutoCloseable {

    /** A real logical slot {@code slotName} on {@code upstream}, consumed by {@code downstream}. */
    public record Channel(PgactiveFixture upstream, PgactiveFixture downstream, String slotName) {}

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final List<PgactiveFixture> members;
    private final List<Channel> channels;
    private final Map<PgNode, Connection> connections = new HashMap<>();
    private final Map<Channel, Boolean> lastActive = new HashMap<>();
    private final Map<Channel, Long> disconnects = new HashMap<>();
    private ScheduledExecutorService scheduler;
    private volatile long ticks;

    public PgactiveLiveFeed(List<PgactiveFixture> members, List<Channel> channels) {
        this.members = List.copyOf(members);
        this.channels = List.copyOf(channels);
    }

    /** Refreshes every {@code period} on a daemon thread until {@link #close()}. */
    public synchronized PgactiveLiveFeed start(Duration period) {
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "pgactive-live-feed");
                t.setDaemon(true);
                return t;
            });
            scheduler.scheduleWithFixedDelay(
                    () -> {
                        try {
                            refreshOnce();
                        } catch (RuntimeException ignored) {
                            // a node may be stopped or frozen on purpose; try again next tick
                        }
                    },
                    0,
                    period.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Number of completed refreshes. */
    public long ticks() {
        return ticks;
    }

    /** One refresh of every member's lag, applied-xact and stats rows. */
    public synchronized void refreshOnce() {
        List<PgactiveFixture.LagRow> rows = new ArrayList<>();
        for (Channel ch : channels) {
            PgactiveFixture.LagRow row = readSlot(ch);
            if (row != null) {
                rows.add(row);
            }
        }
        for (PgactiveFixture m : members) {
            withConnection(m.node(), c -> {
                c.setAutoCommit(false);
                try {
                    PgactiveFixture.replaceLag(c, rows);
                    c.commit();
                } finally {
                    c.setAutoCommit(true);
                }
                return null;
            });
        }
        for (Channel ch : channels) {
            refreshApplied(ch);
        }
        for (PgactiveFixture m : members) {
            refreshWorkers(m);
        }
        ticks++;
    }

    private PgactiveFixture.LagRow readSlot(Channel ch) {
        PgactiveFixture up = ch.upstream();
        PgactiveFixture down = ch.downstream();
        return withConnection(up.node(), c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT s.active, s.active_pid,"
                    + " pg_wal_lsn_diff(pg_current_wal_lsn(), coalesce(r.sent_lsn, s.confirmed_flush_lsn))::bigint,"
                    + " CASE WHEN r.pid IS NULL THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint END,"
                    + " s.restart_lsn::text, s.confirmed_flush_lsn::text, r.sent_lsn::text, r.write_lsn::text,"
                    + " r.flush_lsn::text, r.replay_lsn::text"
                    + " FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid"
                    + " WHERE s.slot_name = ?")) {
                ps.setString(1, ch.slotName());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    boolean active = rs.getBoolean(1);
                    Integer pid = (Integer) rs.getObject(2);
                    Long decoding = (Long) rs.getObject(3);
                    Long toApply = (Long) rs.getObject(4);
                    Boolean prev = lastActive.put(ch, active);
                    if (Boolean.TRUE.equals(prev) && !active) {
                        disconnects.merge(ch, 1L, Long::sum);
                    }
                    return new PgactiveFixture.LagRow(
                            down.nodeName(),
                            down.sysid(),
                            active ? "pgactive:" + down.sysid() + ":send" : null,
                            up.slotNameFor(down.sysid(), down.dboid()),
                            active,
                            active ? pid : null,
                            decoding,
                            toApply,
                            rs.getString(5),
                            rs.getString(6),
                            rs.getString(7),
                            rs.getString(8),
                            rs.getString(9),
                            rs.getString(10));
                }
            }
        });
    }

    private void refreshApplied(Channel ch) {
        PgactiveFixture up = ch.upstream();
        PgactiveFixture down = ch.downstream();
        withConnection(down.node(), c -> {
            if (!hasEventsTable(c)) {
                return null;
            }
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT origin_xid, created_at, pg_xact_commit_timestamp(xmin)" + " FROM "
                            + PgCluster.EVENTS_TABLE + " WHERE node = ? ORDER BY id DESC LIMIT 1")) {
                ps.setString(1, up.node().name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        Timestamp committed = rs.getTimestamp(2);
                        Timestamp applied = rs.getTimestamp(3);
                        upsertApplied(
                                c,
                                up,
                                rs.getLong(1),
                                committed.toInstant(),
                                applied == null ? committed.toInstant() : applied.toInstant());
                    }
                }
            }
            long inserted;
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT count(*) FROM " + PgCluster.EVENTS_TABLE + " WHERE node = ?")) {
                ps.setString(1, up.node().name());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    inserted = rs.getLong(1);
                }
            }
            long[] conflicts = new long[3];
            try (PreparedStatement ps = c.prepareStatement("SELECT"
                    + " count(*) FILTER (WHERE conflict_type IN ('insert_insert', 'insert_update')),"
                    + " count(*) FILTER (WHERE conflict_type IN ('update_update', 'update_delete')),"
                    + " count(*) FILTER (WHERE conflict_type = 'delete_delete')"
                    + " FROM pgactive.pgactive_conflict_history WHERE remote_node_sysid = ?")) {
                ps.setString(1, up.sysid());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    for (int i = 0; i < 3; i++) {
                        conflicts[i] = rs.getLong(i + 1);
                    }
                }
            }
            String origin = down.originNameFor(up.sysid(), up.dboid());
            try (PreparedStatement del =
                            c.prepareStatement("DELETE FROM pgactive._fixture_stats WHERE riremoteid = ?");
                    PreparedStatement ins = c.prepareStatement("INSERT INTO pgactive._fixture_stats VALUES"
                            + " (coalesce((SELECT roident FROM pg_replication_origin WHERE roname = ?), 1)::oid,"
                            + " coalesce((SELECT roident FROM pg_replication_origin WHERE roname = ?), 1)::oid,"
                            + " ?, ?, 0, ?, ?, 0, ?, 0, ?, ?)")) {
                del.setString(1, origin);
                del.executeUpdate();
                String realOrigin = realOriginName(c, ch.slotName());
                ins.setString(1, realOrigin);
                ins.setString(2, realOrigin);
                ins.setString(3, origin);
                ins.setLong(4, inserted);
                ins.setLong(5, inserted);
                ins.setLong(6, conflicts[0]);
                ins.setLong(7, conflicts[1]);
                ins.setLong(8, conflicts[2]);
                ins.setLong(9, disconnects.getOrDefault(ch, 0L));
                ins.executeUpdate();
            }
            return null;
        });
    }

    /**
     * One apply worker per upstream (pid of the subscription's apply worker, NULL while it is not running), one
     * walsender per downstream (pid of the walsender on the real slot) and the per-db worker, as pgactive lists them.
     */
    private void refreshWorkers(PgactiveFixture m) {
        withConnection(m.node(), c -> {
            c.setAutoCommit(false);
            try {
                try (var st = c.createStatement()) {
                    st.execute("DELETE FROM pgactive._fixture_workers");
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO pgactive._fixture_workers VALUES"
                        + " (?, ?::oid, ?::oid, ?, ?, false, NULL, NULL)")) {
                    for (Channel ch : channels) {
                        if (ch.downstream() == m) {
                            Integer pid = pidOf(
                                    c,
                                    "SELECT pid FROM pg_stat_subscription WHERE subname = ? AND relid IS NULL"
                                            + " AND pid IS NOT NULL LIMIT 1",
                                    ch.slotName());
                            PgNode.bind(
                                    ps,
                                    ch.upstream().sysid(),
                                    "0",
                                    Long.toString(ch.upstream().dboid()),
                                    "apply",
                                    pid);
                            ps.addBatch();
                        } else if (ch.upstream() == m) {
                            Integer pid = pidOf(
                                    c,
                                    "SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?",
                                    ch.slotName());
                            PgNode.bind(
                                    ps,
                                    ch.downstream().sysid(),
                                    "0",
                                    Long.toString(ch.downstream().dboid()),
                                    "walsender",
                                    pid);
                            ps.addBatch();
                        }
                    }
                    Integer launcher = pidOf(
                            c,
                            "SELECT pid FROM pg_stat_activity WHERE backend_type = ?",
                            "logical replication launcher");
                    PgNode.bind(ps, null, null, null, "per-db", launcher);
                    ps.addBatch();
                    ps.executeBatch();
                }
                c.commit();
            } finally {
                c.setAutoCommit(true);
            }
            return null;
        });
    }

    private static Integer pidOf(Connection c, String sql, String param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? (Integer) rs.getObject(1) : null;
            }
        }
    }

    /** Native subscriptions track their upstream in origin {@code pg_<subscription oid>}. */
    private static String realOriginName(Connection c, String subName) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 'pg_' || oid FROM pg_subscription WHERE subname = ?")) {
            ps.setString(1, subName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }

    private static void upsertApplied(Connection c, PgactiveFixture up, long xid, Instant committs, Instant at)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO pgactive._fixture_applied VALUES (?, 0, ?::oid, ?::oid, ?, ?)"
                        + " ON CONFLICT (sysid, timeline, dboid) DO UPDATE SET last_applied_xact_id = EXCLUDED.last_applied_xact_id,"
                        + " last_applied_xact_committs = EXCLUDED.last_applied_xact_committs,"
                        + " last_applied_xact_at = EXCLUDED.last_applied_xact_at")) {
            PgNode.bind(ps, up.sysid(), Long.toString(up.dboid()), Long.toString(xid), committs, at);
            ps.executeUpdate();
        }
    }

    private static boolean hasEventsTable(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, "public." + PgCluster.EVENTS_TABLE);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} on a cached connection; on failure drops it and returns null. */
    private <T> T withConnection(PgNode node, SqlWork<T> work) {
        if (node.isFrozen() || !node.isRunning()) {
            drop(node);
            return null;
        }
        try {
            Connection c = connections.get(node);
            if (c == null) {
                c = node.connect(TIMEOUT, TIMEOUT);
                connections.put(node, c);
            }
            return work.run(c);
        } catch (SQLException | RuntimeException e) {
            drop(node);
            return null;
        }
    }

    private void drop(PgNode node) {
        Connection c = connections.remove(node);
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
        for (PgNode n : new ArrayList<>(connections.keySet())) {
            drop(n);
        }
    }
}
