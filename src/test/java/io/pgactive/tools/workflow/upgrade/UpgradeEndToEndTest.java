package io.pgactive.tools.workflow.upgrade;

import static io.pgactive.tools.workflow.upgrade.UpgradeClusterResource.TARGET;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.contract.snapshot.Operation;
import io.pgactive.tools.contract.snapshot.Operation.OperationState;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.testing.AckedWriter;
import io.pgactive.tools.testing.AckedWriter.Ack;
import io.pgactive.tools.testing.SnapshotInvariants;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The rolling upgrade end to end, every part real: a PostgreSQL 16 source, a PostgreSQL 18 target, native logical
 * replication both ways, HAProxy and PgBouncer carrying an application that writes without pause, the workflow on
 * Temporal's test server driven through the service's REST API. What the application saw acknowledged is what must be
 * on the side that carries the traffic.
 */
@QuarkusTest
@QuarkusTestResource(value = UpgradeClusterResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpgradeEndToEndTest {

    @Inject
    SnapshotBus bus;

    private static final String ID = "rolling-upgrade-" + UpgradeClusterResource.SOURCE;
    private static final Duration UPGRADE_WAIT = Duration.ofMinutes(3);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String ROWS = "SELECT count(*), md5(string_agg(id || ':' || payload, ',' ORDER BY id))"
            + " FROM " + UpgradeClusterResource.TABLE + " WHERE id = ANY (?)";

    @Test
    @Order(1)
    void cutoverCarriesEveryAcknowledgedWriteAndARollbackAfterItBringsBackEveryWriteMadeOnTheTarget() throws Exception {
        int targetPort = UpgradeClusterResource.prepareTarget(true).port();
        int sourcePort = UpgradeClusterResource.source.port();
        try (SnapshotInvariants invariants = SnapshotInvariants.following(bus, List.of(UpgradeClusterResource.SOURCE));
                AckedWriter writer = writer()) {
            await().atMost(WAIT).until(() -> writer.acked() >= 20);

            JsonPath started = start(List.of(50));
            JsonPath again = start(List.of(50));
            assertThat(started.getString("id")).isEqualTo(ID);
            assertThat(again.getString("id")).isEqualTo(ID);
            assertThat(again.getBoolean("running")).isTrue();

            awaitPhase("AWAITING_APPROVAL", UPGRADE_WAIT);
            assertThat(progress().getInt("target_percent")).isEqualTo(100);
            // /watch clients follow the upgrade in the snapshot's operations, without asking Temporal
            await().atMost(WAIT).until(() -> onSnapshot("awaiting_approval", OperationState.RUNNING));
            long onTargetAtCutover = writer.ackedOn(targetPort);
            await().atMost(WAIT).until(() -> writer.ackedOn(targetPort) >= onTargetAtCutover + 20);
            assertThat(serverPorts()).containsOnly(targetPort);

            List<Ack> beforeRollback = writer.acks();
            assertHolds(UpgradeClusterResource.connectTarget(), beforeRollback, "target after cutover");
            // nothing made twice by the repeated start: one target, one subscription each way
            try (Stream<Path> dirs = Files.list(UpgradeClusterResource.workDir)) {
                assertThat(dirs.filter(Files::isDirectory)
                                .map(p -> p.getFileName().toString()))
                        .containsExactly(TARGET);
            }
            assertThat(countOn(UpgradeClusterResource.connectTarget(), "SELECT count(*) FROM pg_subscription"))
                    .isEqualTo(1);
            assertThat(countOn(UpgradeClusterResource.connectSource(), "SELECT count(*) FROM pg_subscription"))
                    .isEqualTo(1);

            rollback("errors on 18");
            assertThat(progress().getInt("target_percent")).isZero();
            assertThat(serverPorts()).containsOnly(sourcePort);
            assertThat(routedPorts()).containsOnly(sourcePort);
            long onSourceAtRollback = writer.ackedOn(sourcePort);
            await().atMost(WAIT).until(() -> writer.ackedOn(sourcePort) >= onSourceAtRollback + 20);
            writer.close();

            assertThat(writer.failed())
                    .as("client errors, last: %s", writer.lastError())
                    .isZero();
            List<Ack> all = writer.acks();
            assertThat(all.stream().filter(a -> a.serverPort() == targetPort).count())
                    .isGreaterThanOrEqualTo(20);
            assertHolds(UpgradeClusterResource.connectSource(), all, "source after the rollback");
            // every version published while the target came, carried traffic and went
            invariants.assertNoViolation();
        }
        awaitPhase("ROLLED_BACK", WAIT);
        await().atMost(WAIT).until(() -> onSnapshot("rolled_back", OperationState.COMPLETED));
        await().atMost(WAIT).until(() -> !UpgradeClusterResource.targetExists());
    }

    /** Whether the latest snapshot shows this test's upgrade at that step and in that state. */
    private boolean onSnapshot(String step, OperationState state) {
        return bus.latest().stream()
                .flatMap(p -> p.snapshot().operations().stream())
                .anyMatch(o -> Operation.UPGRADE.equals(o.kind())
                        && ID.equals(o.id())
                        && step.equals(o.step())
                        && state == o.state()
                        && o.nodes().contains(UpgradeClusterResource.SOURCE));
    }

    @Test
    @Order(2)
    void aRollbackInTheMiddleOfATrafficStepPutsAllTrafficBackOnTheSource() throws Exception {
        int targetPort = UpgradeClusterResource.prepareTarget(true).port();
        int sourcePort = UpgradeClusterResource.source.port();
        try (AckedWriter writer = writer()) {
            start(List.of(50));
            await().atMost(UPGRADE_WAIT).until(() -> {
                JsonPath p = progress();
                assertNotStopped(p);
                return "SHIFTING_TRAFFIC".equals(p.getString("phase")) && p.getInt("target_percent") == 50;
            });
            assertThat(routedPorts()).containsOnly(sourcePort, targetPort);

            rollback("mid-shift");

            assertThat(progress().getInt("target_percent")).isZero();
            assertThat(serverPorts()).containsOnly(sourcePort);
            assertThat(routedPorts()).containsOnly(sourcePort);
            long onSourceAtRollback = writer.ackedOn(sourcePort);
            await().atMost(WAIT).until(() -> writer.ackedOn(sourcePort) >= onSourceAtRollback + 20);
            writer.close();
            assertThat(writer.failed())
                    .as("client errors, last: %s", writer.lastError())
                    .isZero();
            assertHolds(UpgradeClusterResource.connectSource(), writer.acks(), "source after the rollback");
        }
        awaitPhase("ROLLED_BACK", WAIT);
        await().atMost(WAIT).until(() -> !UpgradeClusterResource.targetExists());
    }

    @Test
    @Order(3)
    void aFailingHealthCheckPutsTrafficBackByItself() throws Exception {
        UpgradeClusterResource.prepareTarget(false);
        int sourcePort = UpgradeClusterResource.source.port();
        start(List.of(50));

        await().atMost(UPGRADE_WAIT).until(() -> {
            JsonPath p = progress();
            return "HEALTH_CHECK_FAILED".equals(p.getString("hold"));
        });
        JsonPath held = progress();
        assertThat(held.getInt("target_percent")).isZero();
        assertThat(held.getString("hold_reason")).contains("health probe failed on " + TARGET);
        assertThat(routedPorts()).containsOnly(sourcePort);

        rollback("probe fails on the target");
        awaitPhase("ROLLED_BACK", WAIT);
        await().atMost(WAIT).until(() -> !UpgradeClusterResource.targetExists());
    }

    // ------------------------------------------------------------------ helpers

    private static AckedWriter writer() {
        return new AckedWriter(
                UpgradeClusterResource.bouncer.jdbcUrl(),
                UpgradeClusterResource.bouncer.jdbcProperties(),
                UpgradeClusterResource.TABLE);
    }

    private static JsonPath start(List<Integer> shifts) {
        return given().header("Authorization", "Bearer " + UpgradeClusterResource.TOKEN)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "source",
                        UpgradeClusterResource.SOURCE,
                        "target_version",
                        UpgradeClusterResource.TARGET_MAJOR,
                        "shifts",
                        shifts,
                        "tables",
                        List.of(UpgradeClusterResource.TABLE)))
                .post("/upgrades")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static void rollback(String reason) {
        given().header("Authorization", "Bearer " + UpgradeClusterResource.TOKEN)
                .contentType(ContentType.JSON)
                .body(Map.of("reason", reason))
                .post("/upgrades/" + ID + "/rollback")
                .then()
                .statusCode(200);
    }

    private static JsonPath progress() {
        JsonPath view =
                given().get("/upgrades/" + ID).then().statusCode(200).extract().jsonPath();
        return new JsonPath(view.prettify()).setRootPath("progress");
    }

    private static void assertNotStopped(JsonPath p) {
        assertThat(p.getString("phase"))
                .as("phase, hold reason %s", p.getString("hold_reason"))
                .isNotIn("FAILED", "ROLLED_BACK");
        assertThat(p.getString("hold"))
                .as("hold reason %s", p.getString("hold_reason"))
                .isIn(null, "NONE");
    }

    private static void awaitPhase(String phase, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonPath p = progress();
            if (!phase.equals("ROLLED_BACK")) {
                assertNotStopped(p);
            }
            return phase.equals(p.getString("phase"));
        });
    }

    /** The ports of the servers that new transactions through the router reach, over several fresh sessions. */
    private static Set<Integer> serverPorts() throws SQLException {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            try (Connection c = DriverManager.getConnection(
                    UpgradeClusterResource.bouncer.jdbcUrl(), UpgradeClusterResource.bouncer.jdbcProperties())) {
                ports.add((int) count(c, "SELECT inet_server_port()"));
            }
        }
        return ports;
    }

    /** The ports of the servers that new connections to HAProxy itself reach (round robin: a 50 % split alternates). */
    private static Set<Integer> routedPorts() throws SQLException {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            try (Connection c = DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + UpgradeClusterResource.haproxy.port() + "/"
                            + UpgradeClusterResource.DATABASE,
                    appLogin())) {
                ports.add((int) count(c, "SELECT inet_server_port()"));
            }
        }
        return ports;
    }

    private static Properties appLogin() {
        Properties p = new Properties();
        p.setProperty("user", UpgradeClusterResource.APP_USER);
        p.setProperty("password", UpgradeClusterResource.APP_PASSWORD);
        p.setProperty("connectTimeout", "10");
        return p;
    }

    /** An upgrade a failed test left behind is rolled back, so the next test starts from the source alone. */
    @AfterEach
    void rollBackWhatIsLeft() {
        if (given().get("/upgrades/" + ID).statusCode() == 200) {
            String phase = progress().getString("phase");
            if (!Set.of("ROLLED_BACK", "FAILED", "COMPLETED").contains(phase)) {
                given().header("Authorization", "Bearer " + UpgradeClusterResource.TOKEN)
                        .contentType(ContentType.JSON)
                        .body(Map.of("reason", "test cleanup"))
                        .post("/upgrades/" + ID + "/rollback");
            }
        }
        await().atMost(WAIT).until(() -> !UpgradeClusterResource.targetExists());
    }

    /** {@code side} holds exactly the acknowledged rows: the same count and the same checksum over id and payload. */
    private static void assertHolds(Connection side, List<Ack> acks, String what) throws SQLException {
        try (side;
                PreparedStatement st = side.prepareStatement(ROWS)) {
            Array ids = side.createArrayOf("bigint", acks.stream().map(Ack::id).toArray(Long[]::new));
            st.setArray(1, ids);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("acknowledged rows on the " + what).isEqualTo(acks.size());
                assertThat(rs.getString(2))
                        .as("checksum of the acknowledged rows on the " + what)
                        .isEqualTo(AckedWriter.checksum(acks));
            }
        }
    }

    private static long countOn(Connection c, String sql) throws SQLException {
        try (c) {
            return count(c, sql);
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
