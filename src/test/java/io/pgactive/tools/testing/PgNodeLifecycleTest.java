package io.pgactive.tools.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgNodeLifecycleTest {

    @TempDir
    static Path dir;

    static PgCluster cluster;

    @BeforeAll
    static void startNodes() {
        cluster = PgCluster.standalone(2, dir);
    }

    @AfterAll
    static void stopNodes() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void nodesHaveDistinctSystemIdentifiersAndMonitorPasswords() {
        PgNode a = cluster.node("node1");
        PgNode b = cluster.node("node2");
        assertNotEquals(a.systemIdentifier(), b.systemIdentifier());
        assertNotEquals(a.password(), b.password());
        assertNotEquals(a.port(), b.port());
        assertTrue(a.dsn().startsWith("postgres://monitor:" + a.password() + "@127.0.0.1:" + a.port() + "/postgres"));
    }

    @Test
    void monitorPasswordIsChecked() throws SQLException {
        PgNode n = cluster.node("node1");
        try (Connection c = n.connectAsMonitor(n.password(), Duration.ofSeconds(5))) {
            assertTrue(c.isValid(2));
        }
        SQLException e = assertThrows(
                SQLException.class, () -> n.connectAsMonitor("wrong-" + n.password(), Duration.ofSeconds(5)));
        assertEquals("28P01", e.getSQLState());
    }

    @Test
    void stopAndStartKeepPortAndData() {
        PgNode n = cluster.node("node2");
        int port = n.port();
        n.execute("CREATE TABLE IF NOT EXISTS kept (v int); INSERT INTO kept VALUES (42)");
        n.stop();
        assertThrows(
                SQLException.class,
                () -> n.connect(Duration.ofSeconds(2), Duration.ofSeconds(2)).close());
        n.start();
        assertEquals(port, n.port());
        assertEquals(42, n.queryLong("SELECT v FROM kept"));
    }

    @Test
    void frozenNodeAcceptsTcpButNeverAnswersUntilThawed() throws Exception {
        PgNode n = cluster.node("node1");
        try (Connection existing = n.connect(Duration.ofSeconds(2), Duration.ofSeconds(2))) {
            n.freeze();
            try {
                assertTrue(n.isFrozen());
                long t0 = System.nanoTime();
                assertThrows(
                        SQLException.class,
                        () -> n.connect(Duration.ofSeconds(2), Duration.ofSeconds(2))
                                .close());
                assertTrue(System.nanoTime() - t0 >= 1_500_000_000L, "the attempt must time out, not be refused");
                // the kernel still completes the handshake: a plain TCP connect succeeds
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", n.port()), 2000);
                    assertTrue(s.isConnected());
                }
                assertThrows(
                        SQLException.class, () -> existing.createStatement().execute("SELECT 1"));
            } finally {
                n.thaw();
            }
        }
        assertEquals(1, n.queryLong("SELECT 1"));
    }

    @Test
    void killedNodeRecoversOnStart() {
        PgNode n = cluster.node("node2");
        n.execute("CREATE TABLE IF NOT EXISTS crash (v int); INSERT INTO crash VALUES (7)");
        long pid = n.postmasterPid().orElseThrow();
        n.kill();
        assertTrue(
                ProcessHandle.of(pid).isEmpty() || !ProcessHandle.of(pid).get().isAlive());
        assertThrows(
                SQLException.class,
                () -> n.connect(Duration.ofSeconds(2), Duration.ofSeconds(2)).close());
        n.start();
        assertEquals(7, n.queryLong("SELECT v FROM crash"));
    }
}
