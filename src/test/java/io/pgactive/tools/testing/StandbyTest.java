package io.pgactive.tools.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandbyTest {

    @TempDir
    static Path dir;

    static PgCluster cluster;
    static PgNode primary;
    static PgNode standby;

    @BeforeAll
    static void setUp() {
        cluster = PgCluster.empty(dir);
        primary = cluster.addNode("primary");
        primary.execute("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'before backup')");
        standby = cluster.add(primary.createStandby("replica"));
    }

    @AfterAll
    static void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void standbyStreamsAndReplays() {
        assertTrue(standby.inRecovery());
        assertEquals(primary.systemIdentifier(), standby.systemIdentifier());
        assertEquals("streaming", standby.queryString("SELECT status FROM pg_stat_wal_receiver"));
        assertEquals(
                "streaming",
                primary.queryString("SELECT state FROM pg_stat_replication WHERE application_name = 'replica'"));
        assertTrue(primary.slotActive(PgNode.slotNameFor("replica")));
        assertEquals(1, standby.queryLong("SELECT count(*) FROM t"));

        primary.execute("INSERT INTO t VALUES (2, 'after backup')");
        await().atMost(Duration.ofSeconds(20)).until(() -> standby.queryLong("SELECT count(*) FROM t") == 2);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> primary.queryLong(
                                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint FROM pg_stat_replication"
                                        + " WHERE application_name = 'replica'")
                        == 0);
        // the monitor logs in on the standby with the primary's password: roles are replicated
        assertEquals(primary.password(), standby.password());
        assertThrows(IllegalStateException.class, () -> standby.execute("INSERT INTO t VALUES (3, 'read only')"));
    }

    @Test
    void promotedStandbyAcceptsWrites() {
        // a second standby, so promoting it leaves the first one alone
        PgNode other = cluster.add(primary.createStandby("replica2"));
        other.promote();
        assertFalse(other.inRecovery());
        other.execute("INSERT INTO t VALUES (100, 'written on promoted node')");
        assertEquals(1, other.queryLong("SELECT count(*) FROM t WHERE id = 100"));
    }
}
