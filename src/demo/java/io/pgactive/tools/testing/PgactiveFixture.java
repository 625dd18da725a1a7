package io.pgactive.tools.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;

/**
 * The fake pgactive catalog installed on one {@link PgNode} (resource {@code testing/pgactive-fixture.sql}).
 *
 * <p>pgactive itself cannot run on these servers; the fixture recreates the objects a monitor reads, with
 * the real names and types, and reads whatever the extension would compute live from {@code _fixture_*}
 * tables that the methods below fill in.
 */
public final class PgactiveFixture {

    /** Which generation of the catalog to imitate. */
    public enum Catalog {
        /** pgactive 2.1.4 and later (modelled on 2.1.9): LSN/byte lag function, no pgactive_node_slots. */
        V2_1_9,
        /** pgactive 2.1.1 to 2.1.3: pgactive_node_slots view and the time-based lag function. */
        LEGACY_2_1_3
    }

    /** One row of {@code pgactive_get_replication_lag_info()} (2.1.4+). LSNs are text like {@code 0/16B3748}. */
    public record LagRow(
            String nodeName,
            String nodeSysid,
            String applicationName,
            String slotName,
            Boolean active,
            Integer activePid,
            Long pendingWalDecoding,
            Long pendingWalToApply,
            String restartLsn,
            String confirmedFlushLsn,
            String sentLsn,
            String writeLsn,
            String flushLsn,
            String replayLsn) {

        /** A connected peer whose slot is {@code decoding}/{@code toApply} bytes behind; LSNs left NULL. */
        public static LagRow of(String nodeName, String nodeSysid, long decoding, long toApply) {
            return new LagRow(
                    nodeName,
                    nodeSysid,
                    "pgactive:" + nodeSysid + ":send",
                    "pgactive_5_" + nodeSysid + "_0_5__",
                    true,
                    4242,
                    decoding,
                    toApply,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null);
        }

        /** A disconnected peer: inactive slot, pending_wal_to_apply NULL, as the real function reports it. */
        public static LagRow disconnected(String nodeName, String nodeSysid, long decoding) {
            return new LagRow(
                    nodeName,
                    nodeSysid,
                    null,
                    "pgactive_5_" + nodeSysid + "_0_5__",
                    false,
                    null,
                    decoding,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null);
        }
    }

    /** One row of the legacy {@code pgactive_node_slots} view (2.1.1 to 2.1.3). */
    public record NodeSlotRow(
            String nodeName,
            String slotName,
            String slotRestartLsn,
            String slotConfirmedLsn,
            Boolean walsenderActive,
            Integer walsenderPid,
            String sentLsn,
            String writeLsn,
            String flushLsn,
            String replayLsn,
            Long lastSentXactId,
            Instant lastSentXactCommitts,
            Instant lastSentXactAt,
            Long lastAppliedXactId,
            Instant lastAppliedXactCommitts,
            Instant lastAppliedXactAt) {}

    private final PgNode node;
    private final String sysid;
    private final String nodeName;
    private final long dboid;
    private final Catalog catalog;

    private PgactiveFixture(PgNode node, String sysid, String nodeName, long dboid, Catalog catalog) {
        this.node = node;
        this.sysid = sysid;
        this.nodeName = nodeName;
        this.dboid = dboid;
        this.catalog = catalog;
    }

    static PgactiveFixture install(PgNode node, String sysid, String nodeName, Catalog catalog) {
        node.execute(resource("testing/pgactive-fixture.sql"));
        if (catalog == Catalog.LEGACY_2_1_3) {
            node.execute(resource("testing/pgactive-fixture-legacy.sql"));
        }
        long dboid = node.queryLong("SELECT oid::bigint FROM pg_database WHERE datname = current_database()");
        node.update(
                "INSERT INTO pgactive._fixture_local (sysid, dboid) VALUES (?, ?::oid)", sysid, Long.toString(dboid));
        PgactiveFixture f = new PgactiveFixture(node, sysid, nodeName, dboid, catalog);
        f.addNode(sysid, nodeName, dboid, node.conninfo(), 'r');
        return f;
    }

    /** The SQL text of a classpath resource. */
    public static String resource(String path) {
        try (InputStream in = PgactiveFixture.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public PgNode node() {
        return node;
    }

    public String sysid() {
        return sysid;
    }

    public String nodeName() {
        return nodeName;
    }

    public long dboid() {
        return dboid;
    }

    public Catalog catalog() {
        return catalog;
    }

    /** The outbound slot name pgactive would use on this node for the peer {@code remoteSysid}. */
    public String slotNameFor(String remoteSysid, long remoteDboid) {
        return "pgactive_" + dboid + "_" + remoteSysid + "_0_" + remoteDboid + "__";
    }

    /** Lists another member (as pgactive replicates pgactive_nodes/pgactive_connections to every node). */
    public PgactiveFixture addPeer(PgactiveFixture peer) {
        return addNode(peer.sysid, peer.nodeName, peer.dboid, peer.node.conninfo(), 'r');
    }

    /** Inserts (or replaces) a row in pgactive_nodes and its pgactive_connections row. */
    public PgactiveFixture addNode(String nodeSysid, String name, long nodeDboid, String dsn, char status) {
        int seq = (int) node.queryLong("SELECT count(*) + 1 FROM pgactive.pgactive_nodes");
        node.update("DELETE FROM pgactive.pgactive_nodes WHERE node_name = ?", name);
        node.update(
                "INSERT INTO pgactive.pgactive_nodes (node_sysid, node_timeline, node_dboid, node_status, node_name,"
                        + " node_dsn, node_init_from_dsn, node_read_only, node_seq_id)"
                        + " VALUES (?, 0, ?::oid, ?::\"char\", ?, ?, NULL, false, ?::smallint)",
                nodeSysid,
                Long.toString(nodeDboid),
                Character.toString(status),
                name,
                dsn,
                Integer.toString(seq));
        node.update(
                "INSERT INTO pgactive.pgactive_connections (conn_sysid, conn_timeline, conn_dboid, conn_dsn,"
                        + " conn_apply_delay, conn_replication_sets) VALUES (?, 0, ?::oid, ?, NULL, ARRAY['default'])"
                        + " ON CONFLICT (conn_sysid, conn_timeline, conn_dboid) DO UPDATE SET conn_dsn = EXCLUDED.conn_dsn",
                nodeSysid,
                Long.toString(nodeDboid),
                dsn);
        return this;
    }

    /** Sets pgactive_nodes.node_status of {@code name} ('b','i','c','o','r','k'). */
    public void setNodeStatus(String name, char status) {
        int n = node.update(
                "UPDATE pgactive.pgactive_nodes SET node_status = ?::\"char\" WHERE node_name = ?",
                Character.toString(status),
                name);
        if (n != 1) {
            throw new IllegalArgumentException("no pgactive node named " + name);
        }
    }

    /** Replaces every row that pgactive_get_replication_lag_info() returns. */
    public void setLag(List<LagRow> rows) {
        try (Connection c = node.connect()) {
            c.setAutoCommit(false);
            replaceLag(c, rows);
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public void setLag(LagRow... rows) {
        setLag(List.of(rows));
    }

    static void replaceLag(Connection c, List<LagRow> rows) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("DELETE FROM pgactive._fixture_lag");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO pgactive._fixture_lag VALUES"
                + " (?, ?, ?, ?, ?, ?, ?, ?, ?::pg_lsn, ?::pg_lsn, ?::pg_lsn, ?::pg_lsn, ?::pg_lsn, ?::pg_lsn)")) {
            for (LagRow r : rows) {
                PgNode.bind(
                        ps,
                        r.nodeName(),
                        r.nodeSysid(),
                        r.applicationName(),
                        r.slotName(),
                        r.active(),
                        r.activePid(),
                        r.pendingWalDecoding(),
                        r.pendingWalToApply(),
                        r.restartLsn(),
                        r.confirmedFlushLsn(),
                        r.sentLsn(),
                        r.writeLsn(),
                        r.flushLsn(),
                        r.replayLsn());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Removes every lag row. */
    public void clearLag() {
        setLag(List.of());
    }

    /**
     * Inserts a conflict as pgactive logs it on this node, coming from the first other member (or from an
     * unknown peer). Returns its conflict_id.
     */
    public long insertConflict(String type, String resolution, String schema, String table, Instant time) {
        String remote = node.queryString(
                "SELECT node_sysid FROM pgactive.pgactive_nodes WHERE node_sysid <> ?"
                        + " ORDER BY node_seq_id LIMIT 1",
                sysid);
        return insertConflict(type, resolution, schema, table, time, remote == null ? "6999999999999999999" : remote);
    }

    /** Inserts a conflict whose incoming change came from {@code remoteSysid}. Returns its conflict_id. */
    public long insertConflict(
            String type, String resolution, String schema, String table, Instant time, String remoteSysid) {
        return node.queryLong(
                "INSERT INTO pgactive.pgactive_conflict_history (local_node_sysid, local_conflict_xid,"
                        + " local_conflict_lsn, local_conflict_time, object_schema, object_name, remote_node_sysid, remote_txid,"
                        + " remote_commit_time, remote_commit_lsn, conflict_type, conflict_resolution, local_tuple, remote_tuple,"
                        + " local_tuple_xmin, local_tuple_origin_sysid, remote_node_timeline, remote_node_dboid,"
                        + " local_tuple_origin_timeline, local_tuple_origin_dboid, local_commit_time)"
                        + " VALUES (?, '0'::xid, pg_current_wal_lsn(), ?, ?, ?, ?, '0'::xid, ?::timestamptz - interval '5 milliseconds',"
                        + " '0/0'::pg_lsn, ?::pgactive.pgactive_conflict_type, ?::pgactive.pgactive_conflict_resolution,"
                        + " '{\"id\": 1}'::json, '{\"id\": 1}'::json, '0'::xid, ?, 0, ?::oid, 0, ?::oid, ?)"
                        + " RETURNING conflict_id",
                sysid,
                time,
                schema,
                table,
                remoteSysid,
                time,
                type,
                resolution,
                sysid,
                Long.toString(dboid),
                Long.toString(dboid),
                time);
    }

    /** Number of rows in pgactive_conflict_history. */
    public long conflictCount() {
        return node.queryLong("SELECT count(*) FROM pgactive.pgactive_conflict_history");
    }

    /** Replaces the pgactive_get_stats() row of the origin {@code riremoteid}. */
    public void setStats(
            long repNodeId,
            String riremoteid,
            long nrCommit,
            long nrRollback,
            long nrInsert,
            long nrInsertConflict,
            long nrUpdate,
            long nrUpdateConflict,
            long nrDelete,
            long nrDeleteConflict,
            long nrDisconnect) {
        node.update("DELETE FROM pgactive._fixture_stats WHERE riremoteid = ?", riremoteid);
        node.update(
                "INSERT INTO pgactive._fixture_stats VALUES (?::oid, ?::oid, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                Long.toString(repNodeId),
                Long.toString(repNodeId),
                riremoteid,
                nrCommit,
                nrRollback,
                nrInsert,
                nrInsertConflict,
                nrUpdate,
                nrUpdateConflict,
                nrDelete,
                nrDeleteConflict,
                nrDisconnect);
    }

    /** The origin name pgactive uses on this node for changes coming from {@code remoteSysid}. */
    public String originNameFor(String remoteSysid, long remoteDboid) {
        return "pgactive_" + remoteSysid + "_0_" + remoteDboid + "_" + dboid + "_";
    }

    /** What pgactive_get_last_applied_xact_info(sysid, 0, dboid) returns on this node for upstream {@code sysid}. */
    public void setApplied(String upstreamSysid, long upstreamDboid, long xactId, Instant committs, Instant appliedAt) {
        node.update(
                "INSERT INTO pgactive._fixture_applied VALUES (?, 0, ?::oid, ?::oid, ?, ?)"
                        + " ON CONFLICT (sysid, timeline, dboid) DO UPDATE SET last_applied_xact_id = EXCLUDED.last_applied_xact_id,"
                        + " last_applied_xact_committs = EXCLUDED.last_applied_xact_committs,"
                        + " last_applied_xact_at = EXCLUDED.last_applied_xact_at",
                upstreamSysid,
                Long.toString(upstreamDboid),
                Long.toString(xactId),
                committs,
                appliedAt);
    }

    /** Adds a pgactive_get_workers_info() row. */
    public void addWorker(String workerSysid, String workerType, Integer pid, String lastError, Instant lastErrorTime) {
        // per-db workers carry no peer identity
        String tl = workerSysid == null ? null : "0";
        String db = workerSysid == null ? null : Long.toString(dboid);
        node.update(
                "INSERT INTO pgactive._fixture_workers VALUES (?, ?::oid, ?::oid, ?, ?, false, ?, ?)",
                workerSysid,
                tl,
                db,
                workerType,
                pid,
                lastError,
                lastErrorTime);
    }

    /** Replaces every row of the legacy pgactive_node_slots view (and of the legacy lag function). */
    public void setNodeSlots(List<NodeSlotRow> rows) {
        if (catalog != Catalog.LEGACY_2_1_3) {
            throw new IllegalStateException("pgactive_node_slots exists only in the legacy catalog");
        }
        try (Connection c = node.connect()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("DELETE FROM pgactive._fixture_node_slots");
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO pgactive._fixture_node_slots VALUES (?, ?,"
                            + " ?::pg_lsn, ?::pg_lsn, ?, ?, ?::pg_lsn, ?::pg_lsn, ?::pg_lsn, ?::pg_lsn, ?::oid, ?, ?, ?::oid, ?, ?)")) {
                for (NodeSlotRow r : rows) {
                    PgNode.bind(
                            ps,
                            r.nodeName(),
                            r.slotName(),
                            r.slotRestartLsn(),
                            r.slotConfirmedLsn(),
                            r.walsenderActive(),
                            r.walsenderPid(),
                            r.sentLsn(),
                            r.writeLsn(),
                            r.flushLsn(),
                            r.replayLsn(),
                            r.lastSentXactId() == null
                                    ? null
                                    : r.lastSentXactId().toString(),
                            r.lastSentXactCommitts(),
                            r.lastSentXactAt(),
                            r.lastAppliedXactId() == null
                                    ? null
                                    : r.lastAppliedXactId().toString(),
                            r.lastAppliedXactCommitts(),
                            r.lastAppliedXactAt());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the apply-pause flag is set (pgactive_apply_pause()). */
    public boolean isApplyPaused() {
        return Boolean.parseBoolean(node.queryString("SELECT pgactive.pgactive_is_apply_paused()::text"));
    }

    static boolean hasColumns(ResultSet rs) throws SQLException {
        return rs.getMetaData().getColumnCount() > 0;
    }
}
