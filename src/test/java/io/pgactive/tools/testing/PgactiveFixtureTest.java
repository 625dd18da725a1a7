package io.pgactive.tools.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgactiveFixtureTest {

    static final String SYSID_A = "6999999999999990001";
    static final String SYSID_B = "6999999999999990002";

    @TempDir
    static Path dir;

    static PgCluster cluster;
    static PgactiveFixture a;
    static PgactiveFixture b;
    static PgactiveFixture legacy;

    @BeforeAll
    static void setUp() {
        cluster = PgCluster.standalone(3, dir);
        a = cluster.node("node1").installPgactiveFixture(SYSID_A, "alpha");
        b = cluster.node("node2").installPgactiveFixture(SYSID_B, "beta");
        a.addPeer(b);
        b.addPeer(a);
        legacy = cluster.node("node3")
                .installPgactiveFixture("6999999999999990003", "gamma", PgactiveFixture.Catalog.LEGACY_2_1_3);
    }

    @AfterAll
    static void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Runs {@code sql} as the monitor role, the way the service will. */
    static void asMonitor(PgNode node, String sql, Consumer<ResultSet> check) throws SQLException {
        try (Connection c = node.connectAsMonitor(node.password(), Duration.ofSeconds(5));
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            check.accept(rs);
        }
    }

    static List<String> columns(ResultSet rs) {
        try {
            ResultSetMetaData md = rs.getMetaData();
            List<String> out = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                out.add(md.getColumnName(i) + ":" + md.getColumnTypeName(i));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static <T> T unchecked(SqlCall<T> call) {
        try {
            return call.call();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    interface SqlCall<T> {
        T call() throws SQLException;
    }

    @Test
    void identityAndVersion() throws SQLException {
        asMonitor(a.node(), "SELECT * FROM pgactive.pgactive_get_local_nodeid()", rs -> {
            assertEquals(List.of("sysid:text", "timeline:oid", "dboid:oid"), columns(rs));
            assertTrue(unchecked(rs::next));
            assertEquals(SYSID_A, unchecked(() -> rs.getString("sysid")));
            assertEquals(0, unchecked(() -> rs.getLong("timeline")));
            assertEquals(a.dboid(), unchecked(() -> rs.getLong("dboid")));
        });
        asMonitor(
                a.node(),
                "SELECT pgactive.pgactive_get_local_node_name(), pgactive.pgactive_version(),"
                        + " pgactive.pgactive_version_num(), pgactive.pgactive_get_node_identifier(), pgactive.pgactive_is_active_in_db(),"
                        + " to_regproc('pgactive.pgactive_version') IS NOT NULL AS detected",
                rs -> {
                    assertTrue(unchecked(rs::next));
                    assertEquals("alpha", unchecked(() -> rs.getString(1)));
                    assertTrue(unchecked(() -> rs.getString(2)).startsWith("2.1.9-"));
                    assertEquals(20109, unchecked(() -> rs.getInt(3)));
                    assertEquals(SYSID_A, unchecked(() -> rs.getBigDecimal(4)).toPlainString());
                    assertTrue(unchecked(() -> rs.getBoolean(5)));
                    assertTrue(unchecked(() -> rs.getBoolean(6)));
                });
    }

    @Test
    void nodesListsBothMembers() throws SQLException {
        asMonitor(a.node(), "SELECT * FROM pgactive.pgactive_nodes ORDER BY node_seq_id", rs -> {
            assertEquals(
                    List.of(
                            "node_sysid:text",
                            "node_timeline:oid",
                            "node_dboid:oid",
                            "node_status:char",
                            "node_name:text",
                            "node_dsn:text",
                            "node_init_from_dsn:text",
                            "node_read_only:bool",
                            "node_seq_id:int2"),
                    columns(rs));
            assertTrue(unchecked(rs::next));
            assertEquals("alpha", unchecked(() -> rs.getString("node_name")));
            assertEquals("r", unchecked(() -> rs.getString("node_status")));
            assertTrue(unchecked(rs::next));
            assertEquals("beta", unchecked(() -> rs.getString("node_name")));
            assertEquals(SYSID_B, unchecked(() -> rs.getString("node_sysid")));
            assertFalse(unchecked(rs::next));
        });
    }

    @Test
    void nodeStatusChanges() {
        b.setNodeStatus("alpha", 'c');
        assertEquals(
                "pgactive_NODE_STATUS_CATCHUP",
                b.node()
                        .queryString(
                                "SELECT pgactive.pgactive_node_status_from_char(node_status) FROM pgactive.pgactive_nodes WHERE node_name = 'alpha'"));
        b.setNodeStatus("alpha", 'r');
        assertThrows(IllegalStateException.class, () -> b.setNodeStatus("alpha", 'x'));
        assertThrows(IllegalArgumentException.class, () -> b.setNodeStatus("nobody", 'r'));
    }

    @Test
    void replicationLagInfoReturnsSeededRows() throws SQLException {
        a.setLag(
                PgactiveFixture.LagRow.of("beta", SYSID_B, 1234, 5678),
                new PgactiveFixture.LagRow(
                        "alpha",
                        SYSID_A,
                        "pgactive:" + SYSID_A + ":send",
                        "pgactive_5_" + SYSID_A + "_0_5__",
                        true,
                        99,
                        0L,
                        10L,
                        "0/1000000",
                        "0/1000100",
                        "0/1000200",
                        "0/1000200",
                        "0/1000200",
                        "0/1000100"));
        asMonitor(a.node(), "SELECT * FROM pgactive.pgactive_get_replication_lag_info() ORDER BY node_name", rs -> {
            assertEquals(
                    List.of(
                            "node_name:text",
                            "node_sysid:text",
                            "application_name:text",
                            "slot_name:text",
                            "active:bool",
                            "active_pid:int4",
                            "pending_wal_decoding:int8",
                            "pending_wal_to_apply:int8",
                            "restart_lsn:pg_lsn",
                            "confirmed_flush_lsn:pg_lsn",
                            "sent_lsn:pg_lsn",
                            "write_lsn:pg_lsn",
                            "flush_lsn:pg_lsn",
                            "replay_lsn:pg_lsn"),
                    columns(rs));
            assertTrue(unchecked(rs::next));
            assertEquals("alpha", unchecked(() -> rs.getString("node_name")));
            assertEquals("0/1000100", unchecked(() -> rs.getString("replay_lsn")));
            assertTrue(unchecked(rs::next));
            assertEquals(1234, unchecked(() -> rs.getLong("pending_wal_decoding")));
            assertEquals(5678, unchecked(() -> rs.getLong("pending_wal_to_apply")));
            assertNull(unchecked(() -> rs.getString("sent_lsn")));
        });
        a.setLag(PgactiveFixture.LagRow.disconnected("beta", SYSID_B, 99));
        assertEquals(
                1,
                a.node()
                        .queryLong("SELECT count(*) FROM pgactive.pgactive_get_replication_lag_info()"
                                + " WHERE NOT active AND pending_wal_to_apply IS NULL"));
        a.clearLag();
        assertEquals(0, a.node().queryLong("SELECT count(*) FROM pgactive.pgactive_get_replication_lag_info()"));
    }

    @Test
    void lagInfoFailsWhenNoNodeIsReady() {
        PgNode n = a.node();
        a.setNodeStatus("alpha", 'k');
        a.setNodeStatus("beta", 'k');
        try {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> n.execute("SELECT * FROM pgactive.pgactive_get_replication_lag_info()"));
            assertTrue(e.getMessage().contains("not active in this database"));
        } finally {
            a.setNodeStatus("alpha", 'r');
            a.setNodeStatus("beta", 'r');
        }
    }

    @Test
    void conflictHistory() throws SQLException {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        long id = b.insertConflict("insert_insert", "last_update_wins_keep_remote", "public", "app_events", t);
        b.insertConflict("update_delete", "skip_change", "public", "app_events", t.plusSeconds(1));
        asMonitor(b.node(), "SELECT * FROM pgactive.pgactive_conflict_history WHERE conflict_id = " + id, rs -> {
            List<String> cols = columns(rs);
            assertEquals(35, cols.size());
            // pgjdbc reports an int8 column defaulting to nextval() as bigserial
            assertTrue(
                    cols.get(0).equals("conflict_id:int8") || cols.get(0).equals("conflict_id:bigserial"), cols.get(0));
            assertEquals("local_conflict_time:timestamptz", cols.get(4));
            assertEquals("conflict_type:\"pgactive\".\"pgactive_conflict_type\"", cols.get(11));
            assertEquals("local_commit_time:timestamptz", cols.get(34));
            assertTrue(unchecked(rs::next));
            assertEquals(SYSID_B, unchecked(() -> rs.getString("local_node_sysid")));
            assertEquals(SYSID_A, unchecked(() -> rs.getString("remote_node_sysid")));
            assertEquals("insert_insert", unchecked(() -> rs.getString("conflict_type")));
            assertEquals(
                    t, unchecked(() -> rs.getTimestamp("local_conflict_time")).toInstant());
        });
        assertThrows(
                IllegalStateException.class,
                () -> b.insertConflict("insert_exists", "apply_change", "public", "t", Instant.now()));
    }

    @Test
    void statsAppliedWorkersAndPause() throws SQLException {
        a.setStats(16384, a.originNameFor(SYSID_B, b.dboid()), 10, 1, 8, 2, 3, 1, 1, 0, 4);
        asMonitor(a.node(), "SELECT * FROM pgactive.pgactive_stats", rs -> {
            assertEquals(
                    List.of(
                            "rep_node_id:oid",
                            "rilocalid:oid",
                            "riremoteid:text",
                            "nr_commit:int8",
                            "nr_rollback:int8",
                            "nr_insert:int8",
                            "nr_insert_conflict:int8",
                            "nr_update:int8",
                            "nr_update_conflict:int8",
                            "nr_delete:int8",
                            "nr_delete_conflict:int8",
                            "nr_disconnect:int8"),
                    columns(rs));
            assertTrue(unchecked(rs::next));
            assertEquals(2, unchecked(() -> rs.getLong("nr_insert_conflict")));
        });
        Instant committed = Instant.parse("2026-01-02T03:04:05Z");
        a.setApplied(SYSID_B, b.dboid(), 777, committed, committed.plusMillis(250));
        asMonitor(
                a.node(),
                "SELECT * FROM pgactive.pgactive_get_last_applied_xact_info('" + SYSID_B + "', 0, " + b.dboid() + ")",
                rs -> {
                    assertEquals(
                            List.of(
                                    "last_applied_xact_id:oid",
                                    "last_applied_xact_committs:timestamptz",
                                    "last_applied_xact_at:timestamptz"),
                            columns(rs));
                    assertTrue(unchecked(rs::next));
                    assertEquals(777, unchecked(() -> rs.getLong(1)));
                    assertEquals(committed, unchecked(() -> rs.getTimestamp(2)).toInstant());
                });
        // unknown upstream: the real function answers 0 and the PostgreSQL epoch
        assertEquals(
                0,
                a.node()
                        .queryLong("SELECT last_applied_xact_id::bigint FROM"
                                + " pgactive.pgactive_get_last_applied_xact_info('1', 0, 1)"));

        a.addWorker(SYSID_B, "apply", 4321, "could not connect", Instant.now());
        a.addWorker(null, "per-db", 4322, null, null);
        assertEquals(2, a.node().queryLong("SELECT count(*) FROM pgactive.pgactive_get_workers_info()"));

        a.node().execute("SELECT pgactive.pgactive_apply_pause()");
        assertTrue(a.isApplyPaused());
        a.node().execute("SELECT pgactive.pgactive_apply_resume()");
        assertFalse(a.isApplyPaused());
    }

    @Test
    void legacyCatalogHasNodeSlotsAndTimeBasedLag() throws SQLException {
        PgNode n = cluster.node("node3");
        assertEquals(20103, n.queryLong("SELECT pgactive.pgactive_version_num()"));
        Instant t = Instant.parse("2026-03-04T05:06:07Z");
        legacy.setNodeSlots(List.of(new PgactiveFixture.NodeSlotRow(
                "alpha",
                "pgactive_5_" + SYSID_A + "_0_5__",
                "0/100",
                "0/200",
                true,
                55,
                "0/300",
                "0/300",
                "0/300",
                "0/280",
                900L,
                t,
                t.plusMillis(5),
                899L,
                t.minusSeconds(1),
                t)));
        asMonitor(n, "SELECT * FROM pgactive.pgactive_node_slots", rs -> {
            assertEquals(
                    List.of(
                            "node_name:text",
                            "slot_name:name",
                            "slot_restart_lsn:pg_lsn",
                            "slot_confirmed_lsn:pg_lsn",
                            "walsender_active:bool",
                            "walsender_pid:int4",
                            "sent_lsn:pg_lsn",
                            "write_lsn:pg_lsn",
                            "flush_lsn:pg_lsn",
                            "replay_lsn:pg_lsn",
                            "last_sent_xact_id:oid",
                            "last_sent_xact_committs:timestamptz",
                            "last_sent_xact_at:timestamptz",
                            "last_applied_xact_id:oid",
                            "last_applied_xact_committs:timestamptz",
                            "last_applied_xact_at:timestamptz"),
                    columns(rs));
            assertTrue(unchecked(rs::next));
            assertEquals("0/280", unchecked(() -> rs.getString("replay_lsn")));
        });
        asMonitor(n, "SELECT * FROM pgactive.pgactive_get_replication_lag_info()", rs -> {
            assertEquals(
                    List.of(
                            "slot_name:name",
                            "last_sent_xact_id:oid",
                            "last_sent_xact_committs:timestamptz",
                            "last_sent_xact_at:timestamptz",
                            "last_applied_xact_id:oid",
                            "last_applied_xact_committs:timestamptz",
                            "last_applied_xact_at:timestamptz"),
                    columns(rs));
            assertTrue(unchecked(rs::next));
            assertEquals(899, unchecked(() -> rs.getLong("last_applied_xact_id")));
        });
        assertNull(a.node().queryString("SELECT to_regclass('pgactive.pgactive_node_slots')::text"));
    }
}
