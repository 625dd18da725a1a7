package io.pgactive.tools.workflow.upgrade;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgactive.tools.sdk.PackagedService;
import io.pgactive.tools.testing.AckedWriter;
import io.pgactive.tools.testing.AckedWriter.Ack;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.Driver;

/**
 * A kill -9 of the service while the upgrade waits for sync: the packaged service runs as its own process on the
 * upgrade's real world ({@link UpgradeClusterResource}), is killed outright while WaitForSync runs, and is started again
 * on the same history database and Temporal endpoint. The new worker must pick the workflow up, answer its Progress
 * query, and carry it to cutover without provisioning or shifting twice and without losing an acknowledged write.
 */
class UpgradeKillResumeTest {

    private static final String ID = "rolling-upgrade-" + UpgradeClusterResource.SOURCE;
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Duration UPGRADE_WAIT = Duration.ofMinutes(5);
    private static final String ROWS = "SELECT count(*), md5(string_agg(id || ':' || payload, ',' ORDER BY id))"
            + " FROM " + UpgradeClusterResource.TABLE + " WHERE id = ANY (?)";

    @TempDir
    Path work;

    static {
        // a Quarkus test earlier in the same JVM leaves DriverManager with only its own class loader's driver
        if (!Driver.isRegistered()) {
            throw new IllegalStateException("the PostgreSQL driver did not register");
        }
    }

    /** Keeps the upgrade in WaitForSync long enough to kill the service there. */
    private static final class HeldInSync extends UpgradeClusterResource {
        @Override
        protected String syncHold() {
            return "20s";
        }
    }

    @Test
    void anUpgradeWhoseServiceWasKilledDuringWaitForSyncResumesAfterTheRestartAndReachesCutover() throws Exception {
        Optional<String> unusable = PackagedService.unusable();
        assumeTrue(unusable.isEmpty(), () -> "the packaged service is not this build: " + unusable.orElse(""));

        UpgradeClusterResource cluster = new HeldInSync();
        Map<String, String> properties = new HashMap<>(cluster.start());
        properties.put("pgactive.tools.temporal.enabled", "true");
        try (PackagedService service =
                new PackagedService(Path.of(properties.get("pgactive.tools.config")), work, properties)) {
            int targetPort = UpgradeClusterResource.prepareTarget(true).port();
            service.start();
            try (AckedWriter writer = new AckedWriter(
                    UpgradeClusterResource.bouncer.jdbcUrl(),
                    UpgradeClusterResource.bouncer.jdbcProperties(),
                    UpgradeClusterResource.TABLE)) {
                await().atMost(WAIT).until(() -> writer.acked() >= 20);
                // answered once the service is up and its worker connected; a repeated start is idempotent
                await().atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofSeconds(1))
                        .ignoreExceptions()
                        .failFast("the service exited", () -> !service.isAlive())
                        .until(() -> startUpgrade(service).statusCode() == 200);
                awaitPhase(service, "WAITING_FOR_SYNC", UPGRADE_WAIT);

                service.kill();
                service.start();

                // the restarted worker answers the Progress query (it cannot once the query waits for the dead worker)
                await().atMost(WAIT)
                        .pollInterval(Duration.ofSeconds(1))
                        .ignoreExceptions()
                        .failFast("the service exited", () -> !service.isAlive())
                        .until(() -> given().baseUri(service.baseUrl())
                                        .get("/upgrades/" + ID)
                                        .statusCode()
                                == 200);
                awaitPhase(service, "AWAITING_APPROVAL", UPGRADE_WAIT);
                assertThat(progress(service).getInt("target_percent")).isEqualTo(100);
                long onTargetAtCutover = writer.ackedOn(targetPort);
                await().atMost(WAIT).until(() -> writer.ackedOn(targetPort) >= onTargetAtCutover + 20);
                writer.close();

                assertThat(writer.failed())
                        .as("client errors, last: %s", writer.lastError())
                        .isZero();
                assertHolds(UpgradeClusterResource.connectTarget(), writer.acks());
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\nthe service's log ends with:\n" + service.logTail(), e);
            }
            // one target, one subscription each way: nothing provisioned or replicated twice
            try (Stream<Path> dirs = Files.list(UpgradeClusterResource.workDir)) {
                assertThat(dirs.filter(Files::isDirectory)
                                .map(p -> p.getFileName().toString()))
                        .containsExactly(UpgradeClusterResource.TARGET);
            }
            assertThat(count(UpgradeClusterResource.connectTarget(), "SELECT count(*) FROM pg_subscription"))
                    .isEqualTo(1);
            assertThat(count(UpgradeClusterResource.connectSource(), "SELECT count(*) FROM pg_subscription"))
                    .isEqualTo(1);
            // each one-off step ran once, at its first attempt: none was repeated by the restart
            List<HistoryEvent> history = history();
            for (String step : List.of("ProvisionTargetDB", "TrafficShiftPhase", "Cutover")) {
                assertThat(scheduled(history, step)).as("%s scheduled", step).isEqualTo(1);
            }
            assertThat(history.stream()
                            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
                            .filter(e -> isOneOff(
                                    history,
                                    e.getActivityTaskStartedEventAttributes().getScheduledEventId()))
                            .map(e -> e.getActivityTaskStartedEventAttributes().getAttempt()))
                    .as("attempts of the one-off steps")
                    .containsOnly(1);
        } finally {
            cluster.stop();
        }
    }

    private static Response startUpgrade(PackagedService service) {
        return given().baseUri(service.baseUrl())
                .header("Authorization", "Bearer " + UpgradeClusterResource.TOKEN)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "source",
                        UpgradeClusterResource.SOURCE,
                        "target_version",
                        UpgradeClusterResource.TARGET_MAJOR,
                        "shifts",
                        List.of(50),
                        "tables",
                        List.of(UpgradeClusterResource.TABLE)))
                .post("/upgrades");
    }

    private static JsonPath progress(PackagedService service) {
        JsonPath view = given().baseUri(service.baseUrl())
                .get("/upgrades/" + ID)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        return new JsonPath(view.prettify()).setRootPath("progress");
    }

    /** Waits for {@code phase}; a moment without an answer (the Temporal server slow on a loaded machine) is no failure. */
    private static void awaitPhase(PackagedService service, String phase, Duration atMost) {
        await().atMost(atMost)
                .pollInterval(Duration.ofMillis(500))
                .failFast("the service exited", () -> !service.isAlive())
                .until(() -> {
                    Response r = given().baseUri(service.baseUrl()).get("/upgrades/" + ID);
                    if (r.statusCode() != 200) {
                        return false;
                    }
                    JsonPath p = new JsonPath(r.jsonPath().prettify()).setRootPath("progress");
                    assertThat(p.getString("phase"))
                            .as("phase, hold reason %s", p.getString("hold_reason"))
                            .isNotIn("FAILED", "ROLLED_BACK", "ROLLING_BACK");
                    return phase.equals(p.getString("phase"));
                });
    }

    private static List<HistoryEvent> history() {
        WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
                .setTarget(UpgradeClusterResource.temporal.target())
                .build());
        try {
            return WorkflowClient.newInstance(stubs).fetchHistory(ID).getEvents();
        } finally {
            stubs.shutdownNow();
        }
    }

    private static long scheduled(List<HistoryEvent> history, String activity) {
        return history.stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .filter(e -> e.getActivityTaskScheduledEventAttributes()
                        .getActivityType()
                        .getName()
                        .equals(activity))
                .count();
    }

    private static boolean isOneOff(List<HistoryEvent> history, long scheduledEventId) {
        return history.stream()
                .filter(e -> e.getEventId() == scheduledEventId)
                .map(e -> e.getActivityTaskScheduledEventAttributes()
                        .getActivityType()
                        .getName())
                .anyMatch(List.of("ProvisionTargetDB", "TrafficShiftPhase", "Cutover")::contains);
    }

    private static void assertHolds(Connection target, List<Ack> acks) throws SQLException {
        try (target;
                PreparedStatement st = target.prepareStatement(ROWS)) {
            Array ids =
                    target.createArrayOf("bigint", acks.stream().map(Ack::id).toArray(Long[]::new));
            st.setArray(1, ids);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("acknowledged rows on the target").isEqualTo(acks.size());
                assertThat(rs.getString(2))
                        .as("checksum of the acknowledged rows on the target")
                        .isEqualTo(AckedWriter.checksum(acks));
            }
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (c;
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
