package io.pgactive.tools.workflow.upgrade.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.testing.HaproxyProcess;
import io.pgactive.tools.testing.PgBouncerForwarder;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.SlowLoginProxy;
import io.pgactive.tools.workflow.upgrade.Pinned;
import io.pgactive.tools.workflow.upgrade.TrafficRouter;
import io.pgactive.tools.workflow.upgrade.TrafficSplit;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@link HaproxyTrafficRouter} on real processes: clients → PgBouncer → HAProxy → two PostgreSQL servers. Where a
 * connection landed is read from the server itself ({@code inet_server_port()}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HaproxyTrafficRouterTest {

    private static final String APP_USER = "app_user";
    private static final String APP_PASSWORD = "app-" + Long.toHexString(System.nanoTime());
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int CONNECTIONS = 200;
    private static final Duration SLOW_LOGIN = Duration.ofMillis(500);

    private static Path workDir;
    private static PgNode source;
    private static PgNode target;
    private static HaproxyProcess haproxy;
    private static PgBouncerForwarder bouncer;
    private static Vertx vertx;
    private static HaproxyRouterSettings settings;
    private static HaproxyTrafficRouter router;
    /** HAProxy reaches the target through this, so that a test can make the target's logins slow. */
    private static SlowLoginProxy targetLogins;

    private static DatabaseRef targetRef;
    /** A direct session opened before any shift; it must stay on the source until stale sessions are closed. */
    private static Connection longLived;

    private static final ExecutorService CLIENTS = Executors.newSingleThreadExecutor();

    @BeforeAll
    static void setUp() throws Exception {
        workDir = Files.createTempDirectory("pgactive-router-");
        source = PgNode.create("rsource", workDir);
        target = PgNode.create("rtarget", workDir);
        for (PgNode node : new PgNode[] {source, target}) {
            node.execute("CREATE ROLE " + APP_USER + " LOGIN PASSWORD '" + APP_PASSWORD + "'");
        }
        targetLogins = new SlowLoginProxy(target.port(), Duration.ZERO);
        haproxy = HaproxyProcess.start("127.0.0.1", source.port());
        bouncer = PgBouncerForwarder.start(
                "127.0.0.1",
                haproxy.port(),
                PgNode.DATABASE,
                APP_USER,
                APP_PASSWORD,
                // longer than PgBouncer's default (15 s): after a login it counts as failed, it opens no server
                // connection and refuses arriving clients for this long, which no step of this test may cause
                Map.of("query_wait_timeout", "120", "server_login_retry", "90"));
        vertx = Vertx.vertx();
        settings = HaproxyRouterSettings.haproxyOnly(
                        "app",
                        haproxy.adminSocket(),
                        HaproxyProcess.BACKEND,
                        HaproxyProcess.SOURCE,
                        HaproxyProcess.TARGET)
                .withPgBouncer(bouncer.adminDsn(), PgNode.DATABASE);
        router = new HaproxyTrafficRouter(settings, vertx);
        targetRef = new DatabaseRef("rtarget", "127.0.0.1", targetLogins.port(), PgNode.DATABASE, 18);
    }

    @AfterAll
    static void tearDown() throws Exception {
        CLIENTS.shutdownNow();
        if (longLived != null) {
            longLived.close();
        }
        if (bouncer != null) {
            bouncer.close();
        }
        if (haproxy != null) {
            haproxy.close();
        }
        if (targetLogins != null) {
            targetLogins.close();
        }
        if (vertx != null) {
            vertx.closeAndAwait();
        }
        if (source != null) {
            source.close();
        }
        if (target != null) {
            target.close();
        }
        if (workDir != null) {
            Files.deleteIfExists(workDir);
        }
    }

    @Test
    @Order(1)
    void attachingPutsTheTargetBehindTheRouterWithoutTraffic() throws Exception {
        assertThat(router.split().targetPercent()).isZero();
        longLived = direct();
        assertThat(serverPort(longLived)).isEqualTo(source.port());

        TrafficSplit first = router.attach(targetRef);
        TrafficSplit again = router.attach(targetRef);

        assertThat(first.targetPercent()).isZero();
        assertThat(again).isEqualTo(first);
        assertThat(first.held()).isFalse();
        assertThat(first.detail()).contains("target 127.0.0.1:" + targetLogins.port() + " weight 0 ready");
        assertThat(countOnTarget(40)).isZero();
    }

    @Test
    @Order(2)
    void aQuarterMeansAQuarterOfNewConnections() throws Exception {
        TrafficSplit split = router.shift(25);
        assertThat(router.shift(25)).isEqualTo(split);
        assertThat(split.targetPercent()).isEqualTo(25);
        // a new instance reads the same state back from HAProxy
        assertThat(new HaproxyTrafficRouter(settings, vertx).split()).isEqualTo(split);

        int onTarget = countOnTarget(CONNECTIONS);

        assertThat(onTarget).isBetween(CONNECTIONS / 4 - CONNECTIONS / 20, CONNECTIONS / 4 + CONNECTIONS / 20);
        // existing sessions stay where they are
        assertThat(serverPort(longLived)).isEqualTo(source.port());
    }

    @Test
    @Order(3)
    void aCutoverMovesHeldClientsToTheTargetAndRefusesNoClientAfterwards() throws Exception {
        // as the cutover activity does it: one router kept open for the whole hold, and the stale sessions closed
        // right after the release, while the released clients' new server connections are still logging in (made
        // slow here, as they are on a busy server). PgBouncer counts a login it was told to end as a failed one.
        targetLogins.loginDelay(SLOW_LOGIN);
        try (Connection client = pooled();
                Pinned<TrafficRouter> pin = router.pinned()) {
            TrafficRouter pinned = pin.port();
            assertThat(serverPort(client)).isIn(source.port(), target.port());

            TrafficSplit held = pinned.hold(Duration.ofSeconds(30));
            assertThat(held.held()).isTrue();
            Future<Integer> waiting = CLIENTS.submit(() -> serverPort(client));
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());

            assertThat(pinned.shift(100).targetPercent()).isEqualTo(100);
            TrafficSplit released = pinned.release();
            pinned.closeStaleSessions();

            assertThat(released.held()).isFalse();
            // a client that arrives now must be served, not refused with "server login has been failing"
            try (Connection arriving = pooled()) {
                assertThat(serverPort(arriving)).isEqualTo(target.port());
            }
            assertThat(waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(target.port());
            // a new router sees what the pinned one did
            assertThat(router.release()).isEqualTo(released);
            for (int i = 0; i < 10; i++) {
                assertThat(serverPort(client)).isEqualTo(target.port());
            }
        } finally {
            targetLogins.loginDelay(Duration.ZERO);
        }
        assertThat(countOnTarget(40)).isEqualTo(40);
        // what bypassed PgBouncer and was left on the old side is ended
        await().atMost(WAIT).until(() -> appSessions(source) == 0);
        assertThatThrownBy(() -> serverPort(longLived)).isInstanceOf(SQLException.class);
    }

    @Test
    @Order(4)
    void aRollbackHoldsDetachesAndReleasesWithoutFailingClients() throws Exception {
        try (Connection client = pooled()) {
            assertThat(serverPort(client)).isEqualTo(target.port());

            router.hold(Duration.ofSeconds(30));
            TrafficSplit detached = router.detach();
            TrafficSplit released = router.release();

            assertThat(detached.targetPercent()).isZero();
            assertThat(detached.detail()).contains("maint");
            assertThat(released.held()).isFalse();
            assertThat(serverPort(client)).isEqualTo(source.port());
        }
        await().atMost(WAIT).until(() -> appSessions(target) == 0);
        assertThat(countOnTarget(40)).isZero();
    }

    @Test
    @Order(5)
    void refusesWhatItCannotDo() {
        HaproxyTrafficRouter direct = new HaproxyTrafficRouter(
                HaproxyRouterSettings.haproxyOnly(
                        "direct",
                        haproxy.adminSocket(),
                        HaproxyProcess.BACKEND,
                        HaproxyProcess.SOURCE,
                        HaproxyProcess.TARGET),
                vertx);
        assertThatThrownBy(() -> direct.hold(Duration.ofSeconds(1)))
                .isInstanceOf(UpgradeException.class)
                .hasMessageContaining("cannot be held");
        assertThatThrownBy(() -> direct.shift(10))
                .isInstanceOf(UpgradeException.class)
                .hasMessageContaining("not attached");
        assertThatThrownBy(() -> new HaproxyTrafficRouter(
                                HaproxyRouterSettings.haproxyOnly(
                                        "bad",
                                        haproxy.adminSocket(),
                                        HaproxyProcess.BACKEND,
                                        "no_such",
                                        HaproxyProcess.TARGET),
                                vertx)
                        .split())
                .isInstanceOf(UpgradeException.class)
                .hasMessageContaining("no server no_such");
    }

    // ------------------------------------------------------------------ clients

    /** Opens {@code n} new connections straight through HAProxy and counts those that landed on the target. */
    private static int countOnTarget(int n) throws SQLException {
        int onTarget = 0;
        for (int i = 0; i < n; i++) {
            try (Connection c = direct()) {
                int port = serverPort(c);
                assertThat(port).isIn(source.port(), target.port());
                if (port == target.port()) {
                    onTarget++;
                }
            }
        }
        return onTarget;
    }

    private static Connection direct() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", APP_USER);
        p.setProperty("password", APP_PASSWORD);
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "60");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + haproxy.port() + "/" + PgNode.DATABASE, p);
    }

    private static Connection pooled() throws SQLException {
        return DriverManager.getConnection(bouncer.jdbcUrl(), bouncer.jdbcProperties());
    }

    private static int serverPort(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT inet_server_port()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static long appSessions(PgNode node) {
        return node.queryLong("SELECT count(*) FROM pg_stat_activity WHERE usename = ?", APP_USER);
    }
}
