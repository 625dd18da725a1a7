package io.pgactive.tools.workflow.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.testing.PgBouncerProcess;
import io.pgactive.tools.testing.PgNode;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PgBouncerWriteGate} against a real PgBouncer in front of a real PostgreSQL server. */
class PgBouncerWriteGateTest {

    private static final String DB = PgNode.DATABASE;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration HELD = Duration.ofMillis(1500);

    @TempDir
    static Path dir;

    static PgNode node;
    static PgBouncerProcess bouncer;
    static Vertx vertx;
    static ExecutorService clients;

    @BeforeAll
    static void setUp() {
        node = PgNode.create("gated", dir);
        node.execute("CREATE TABLE writes (id serial PRIMARY KEY, note text NOT NULL)");
        bouncer = PgBouncerProcess.start(node);
        vertx = Vertx.vertx();
        clients = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void tearDown() {
        if (clients != null) {
            clients.shutdownNow();
        }
        if (vertx != null) {
            vertx.closeAndAwait();
        }
        if (bouncer != null) {
            bouncer.close();
            assertFalse(bouncer.isRunning(), "pgbouncer still running after close");
        }
        if (node != null) {
            node.close();
        }
    }

    @AfterEach
    void openAndEmpty() {
        // whatever a failed test left behind, the next one starts with an open gate and an empty table
        console("RESUME");
        console("RESUME " + DB);
        node.execute("TRUNCATE writes");
    }

    @Test
    void writesAreHeldWhilePausedAndAllCompleteAfterResume() throws Exception {
        WriteGate gate = gate(TIMEOUT);
        assertEquals(GateState.OPEN, gate.state());
        List<Connection> conns = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                conns.add(client());
            }
            assertEquals(1, insert(conns.get(0), "before the pause"));

            assertEquals(GateState.PAUSED, gate.pause());
            assertEquals(GateState.PAUSED, gate.state());
            assertTrue(consolePaused(), "SHOW DATABASES does not flag the database as paused");

            List<Future<Integer>> writes = new ArrayList<>();
            for (Connection c : conns) {
                writes.add(clients.submit(() -> insert(c, "while paused")));
            }
            // held by PgBouncer, not failed: the clients queue in the pool and nothing reaches the server
            await().atMost(Duration.ofSeconds(10)).until(() -> clientsWaiting() == 3);
            await().during(HELD)
                    .atMost(HELD.plusSeconds(5))
                    .until(() -> writes.stream().noneMatch(Future::isDone));
            assertEquals(1, rows());

            assertEquals(GateState.OPEN, gate.resume());
            for (Future<Integer> w : writes) {
                assertEquals(1, w.get(20, TimeUnit.SECONDS));
            }
            assertEquals(4, rows());
            assertEquals(GateState.OPEN, gate.state());
        } finally {
            closeAll(conns);
        }
    }

    @Test
    void pauseAndResumeAreIdempotent() throws Exception {
        WriteGate gate = gate(TIMEOUT);
        assertEquals(GateState.PAUSED, gate.pause());
        assertEquals(GateState.PAUSED, gate.pause());
        // a retry from another worker builds its own gate
        assertEquals(GateState.PAUSED, gate(TIMEOUT).pause());
        assertEquals(GateState.PAUSED, gate.state());
        assertTrue(consolePaused());

        assertEquals(GateState.OPEN, gate.resume());
        assertEquals(GateState.OPEN, gate.resume());
        assertEquals(GateState.OPEN, gate(TIMEOUT).resume());
        assertEquals(GateState.OPEN, gate.state());
        assertFalse(consolePaused());

        try (Connection c = client()) {
            assertEquals(1, clients.submit(() -> insert(c, "after resume")).get(20, TimeUnit.SECONDS));
        }
        assertEquals(1, rows());
    }

    @Test
    void aSessionPausesReconnectsAndResumesOverOneConsoleLogin() throws Exception {
        PgBouncerWriteGate gate = new PgBouncerWriteGate(Dsn.parse(bouncer.adminDsn()), DB, vertx, TIMEOUT);
        try (Connection c = client()) {
            assertEquals(1, insert(c, "before the pause"));
            try (PgBouncerWriteGate.Session session = gate.open()) {
                assertEquals(GateState.PAUSED, session.pause(TIMEOUT));
                List<Integer> login = gateLogins();
                assertThat(login).hasSize(1);
                assertTrue(consolePaused());
                Future<Integer> held = clients.submit(() -> insert(c, "while paused"));
                await().atMost(Duration.ofSeconds(10)).until(() -> clientsWaiting() == 1);

                assertEquals(GateState.PAUSED, session.state());
                session.reconnect();
                assertEquals(GateState.OPEN, session.resume());
                assertEquals(1, held.get(20, TimeUnit.SECONDS));
                assertEquals(login, gateLogins());
            }
            // the session's login ends with it
            await().atMost(Duration.ofSeconds(10)).until(() -> gateLogins().isEmpty());
        }
        assertEquals(2, rows());
    }

    @Test
    void pauseWaitsForAnOpenTransactionToEnd() throws Exception {
        WriteGate gate = gate(Duration.ofSeconds(30));
        try (Connection tx = client()) {
            tx.setAutoCommit(false);
            insert(tx, "in flight");

            Future<GateState> pausing = clients.submit(gate::pause);
            // PgBouncer flags the database at once but answers PAUSE only when the transaction releases its server
            await().atMost(Duration.ofSeconds(10)).until(() -> gate.state() == GateState.PAUSING);
            await().during(HELD).atMost(HELD.plusSeconds(5)).until(() -> !pausing.isDone());

            tx.commit();
            assertEquals(GateState.PAUSED, pausing.get(20, TimeUnit.SECONDS));
        }
        assertEquals(1, rows());
        assertEquals(GateState.PAUSED, gate.state());
    }

    @Test
    void pauseThatTimesOutLeavesTheGatePausingUntilTheTransactionEnds() throws Exception {
        Duration timeout = Duration.ofMillis(800);
        WriteGate gate = gate(timeout);
        try (Connection tx = client();
                Connection other = client()) {
            tx.setAutoCommit(false);
            insert(tx, "in flight");

            long start = System.nanoTime();
            assertEquals(GateState.PAUSING, gate.pause());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took)
                    .isGreaterThanOrEqualTo(timeout)
                    .isLessThan(timeout.multipliedBy(4).plusSeconds(2));
            assertEquals(GateState.PAUSING, gate.state());

            // the pause is in force: a new transaction is held, the running one goes on
            Future<Integer> held = clients.submit(() -> insert(other, "held"));
            await().during(HELD).atMost(HELD.plusSeconds(5)).until(() -> !held.isDone());
            assertEquals(1, insert(tx, "still in flight"));
            tx.commit();

            await().atMost(Duration.ofSeconds(10)).until(() -> gate.state() == GateState.PAUSED);
            assertFalse(held.isDone());
            assertEquals(2, rows());
            assertEquals(GateState.PAUSED, gate.pause());

            assertEquals(GateState.OPEN, gate.resume());
            assertEquals(1, held.get(20, TimeUnit.SECONDS));
        }
        assertEquals(3, rows());
    }

    @Test
    void aPauseLongerThanQueryWaitTimeoutFailsTheHeldClients() throws Exception {
        // PgBouncer's query_wait_timeout (120s by default) also runs while a database is paused: a gate held closed
        // longer than that turns held writes into errors, so deployments must raise it above the longest pause
        try (PgBouncerProcess impatient = PgBouncerProcess.start(node, List.of(DB), Map.of("query_wait_timeout", "1"));
                Connection c = DriverManager.getConnection(impatient.jdbcUrl(DB), impatient.jdbcProperties())) {
            WriteGate gate = new PgBouncerWriteGate(Dsn.parse(impatient.adminDsn()), DB, vertx, TIMEOUT);
            assertEquals(GateState.PAUSED, gate.pause());
            Future<Integer> held = clients.submit(() -> insert(c, "held too long"));
            ExecutionException e = assertThrows(ExecutionException.class, () -> held.get(20, TimeUnit.SECONDS));
            assertThat(e.getCause()).isInstanceOf(SQLException.class).hasMessageContaining("query_wait_timeout");
            assertEquals(GateState.OPEN, gate.resume());
        }
        assertEquals(0, rows());
    }

    @Test
    void wrongAdminPasswordIsAClearErrorWithoutThePassword() {
        String wrong = "wrong-" + bouncer.adminPassword();
        Dsn dsn = Dsn.parse("postgres://" + PgBouncerProcess.ADMIN_USER + ":" + wrong + "@" + bouncer.host() + ":"
                + bouncer.port() + "/pgbouncer");
        WriteGate gate = new PgBouncerWriteGate("orders-gate", dsn, DB, vertx, TIMEOUT);

        for (WriteGateException e : List.of(
                assertThrows(WriteGateException.class, gate::state),
                assertThrows(WriteGateException.class, gate::pause),
                assertThrows(WriteGateException.class, gate::resume))) {
            assertThat(e.gate()).isEqualTo("orders-gate");
            assertThat(e.getMessage())
                    .contains("orders-gate")
                    .contains("refused the login of " + PgBouncerProcess.ADMIN_USER)
                    .contains(bouncer.host() + ":" + bouncer.port());
            assertNoSecret(e, wrong, bouncer.adminPassword());
        }
        assertFalse(consolePaused());
        assertThat(gate.describe())
                .contains(bouncer.host() + ":" + bouncer.port())
                .contains(DB)
                .doesNotContain(wrong);
    }

    @Test
    void unreachablePgBouncerIsAClearError() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String password = "secret-" + port;
        WriteGate gate = new PgBouncerWriteGate(
                Dsn.parse("postgres://" + PgBouncerProcess.ADMIN_USER + ":" + password + "@127.0.0.1:" + port
                        + "/pgbouncer"),
                DB,
                vertx,
                TIMEOUT);

        WriteGateException e = assertThrows(WriteGateException.class, gate::pause);
        assertThat(e.getMessage())
                .contains(DB + "@127.0.0.1:" + port)
                .contains("cannot reach PgBouncer at 127.0.0.1:" + port);
        assertNoSecret(e, password);
    }

    @Test
    void unknownDatabaseIsAnError() {
        WriteGate gate = new PgBouncerWriteGate(Dsn.parse(bouncer.adminDsn()), "no_such_db", vertx, TIMEOUT);
        assertThat(assertThrows(WriteGateException.class, gate::state).getMessage())
                .contains("has no database no_such_db");
        assertThat(assertThrows(WriteGateException.class, gate::pause).getMessage())
                .contains("no such database: no_such_db");
        assertFalse(consolePaused());
    }

    @Test
    void pauseRefusesToTakeOverAPoolerWidePause() {
        console("PAUSE");
        WriteGate gate = gate(TIMEOUT);
        WriteGateException e = assertThrows(WriteGateException.class, gate::pause);
        assertThat(e.getMessage()).contains("paused or suspended as a whole");
        console("RESUME");
        assertEquals(GateState.PAUSED, gate.pause());
    }

    @Test
    void databaseNamesAreCheckedBeforeAnyCommandIsBuilt() {
        Dsn dsn = Dsn.parse(bouncer.adminDsn());
        for (String bad : new String[] {
            "postgres; SHUTDOWN", "postgres SHUTDOWN", "\"postgres\"", "", "x".repeat(64), "pgbouncer", "PgBouncer"
        }) {
            assertThrows(IllegalArgumentException.class, () -> new PgBouncerWriteGate(dsn, bad, vertx, TIMEOUT), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> new PgBouncerWriteGate(dsn, null, vertx, TIMEOUT));
        assertTrue(bouncer.isRunning());
        assertEquals(GateState.OPEN, gate(TIMEOUT).state());
    }

    @Test
    void aPgBouncerThatCannotStartIsReportedWithItsLog() {
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> PgBouncerProcess.start(node, List.of(DB), Map.of("pool_mode", "no_such_mode"))
                        .close());
        assertThat(e.getMessage()).contains("pgbouncer exited").contains("no_such_mode");
    }

    @Test
    void refusesToBlockAnEventLoop() throws Exception {
        WriteGate gate = gate(TIMEOUT);
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        vertx.getDelegate().runOnContext(v -> {
            try {
                gate.state();
                seen.complete(null);
            } catch (RuntimeException e) {
                seen.complete(e);
            }
        });
        assertThat(seen.get(10, TimeUnit.SECONDS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("event loop");
    }

    // ------------------------------------------------------------------ helpers

    private static WriteGate gate(Duration timeout) {
        return new PgBouncerWriteGate(Dsn.parse(bouncer.adminDsn()), DB, vertx, timeout);
    }

    private static Connection client() throws SQLException {
        return DriverManager.getConnection(bouncer.jdbcUrl(DB), bouncer.jdbcProperties());
    }

    private static int insert(Connection c, String note) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO writes (note) VALUES (?)")) {
            ps.setString(1, note);
            return ps.executeUpdate();
        }
    }

    private static long rows() {
        return node.queryLong("SELECT count(*) FROM writes");
    }

    private static void closeAll(List<Connection> conns) {
        for (Connection c : conns) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the test outcome is already decided
            }
        }
    }

    private static void assertNoSecret(Throwable e, String... secrets) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (String secret : secrets) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain(secret);
                assertThat(t.toString()).doesNotContain(secret);
            }
        }
    }

    /** Whether SHOW DATABASES flags the gated database as paused, read without the code under test. */
    private static boolean consolePaused() {
        for (Row row : console("SHOW DATABASES")) {
            if (DB.equals(row.getString("name"))) {
                return row.getInteger("paused") != 0;
            }
        }
        throw new AssertionError("pgbouncer does not list " + DB);
    }

    /** The client ports of the gate's own console logins (SHOW CLIENTS), read without the code under test. */
    private static List<Integer> gateLogins() {
        List<Integer> ports = new ArrayList<>();
        for (Row row : console("SHOW CLIENTS")) {
            if ("pgbouncer".equals(row.getString("database"))
                    && "pgactive-tools-write-gate".equals(row.getString("application_name"))) {
                ports.add(row.getInteger("port"));
            }
        }
        return ports;
    }

    private static int clientsWaiting() {
        int waiting = 0;
        for (Row row : console("SHOW POOLS")) {
            if (DB.equals(row.getString("database"))) {
                waiting += row.getInteger("cl_waiting");
            }
        }
        return waiting;
    }

    /** Runs one admin console command; errors (e.g. "not paused" from a cleanup RESUME) give no rows. */
    private static List<Row> console(String command) {
        PgConnectOptions options = new PgConnectOptions()
                .setHost(bouncer.host())
                .setPort(bouncer.port())
                .setDatabase("pgbouncer")
                .setUser(PgBouncerProcess.ADMIN_USER)
                .setPassword(bouncer.adminPassword())
                .setProperties(Map.of("application_name", "gate-test"));
        PgConnection conn = PgConnection.connect(vertx, options).await().atMost(Duration.ofSeconds(10));
        try {
            List<Row> rows = new ArrayList<>();
            conn.query(command).execute().await().atMost(Duration.ofSeconds(20)).forEach(rows::add);
            return rows;
        } catch (PgException e) {
            return List.of();
        } finally {
            conn.close().await().atMost(Duration.ofSeconds(10));
        }
    }
}
