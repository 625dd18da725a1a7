package io.pgactive.tools.workflow.failover;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.testing.PgNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The automatic policy on real processes: with it enabled for node1, node1 is killed with SIGKILL and nobody asks for
 * a failover; the policy starts the workflow, which promotes the synchronous standby, and the history says the start
 * was automatic.
 */
@QuarkusTest
@QuarkusTestResource(value = AutomaticFailoverClusterResource.class, restrictToAnnotatedClass = true)
class AutomaticFailoverEndToEndTest {

    static final Duration WAIT = Duration.ofSeconds(90);

    @Inject
    SnapshotBus bus;

    @Test
    void killedPrimaryIsFailedOverWithoutAnOperator() throws Exception {
        String id = Failover.workflowId("node1");
        await().atMost(WAIT).until(this::standbysStreaming);
        await().atMost(WAIT).until(() -> given().get("/q/health/group/temporal").statusCode() == 200);
        // armed, and nothing started while the primary is healthy
        assertThat(sample(metrics(), "pgactive_failover_automatic_armed", "")).isEqualTo("1.0");
        given().get("/failovers/" + id).then().statusCode(404);

        FailoverClusterResource.primary.kill();

        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
            var response = given().get("/failovers/" + id);
            return response.statusCode() == 200
                    && !response.then().extract().jsonPath().getBoolean("running");
        });
        JsonPath done =
                given().get("/failovers/" + id).then().statusCode(200).extract().jsonPath();
        assertThat(done.getString("progress.phase"))
                .as(done.getString("progress.error"))
                .isEqualTo("COMPLETED");
        assertThat(done.getBoolean("progress.request.force")).isFalse();
        assertThat(done.getString("progress.request.reason")).startsWith("automatic: node1 failing");
        assertThat(done.getString("progress.decision.standby")).isEqualTo("node2");
        assertThat(done.getString("progress.steps.find { it.type == '" + FailoverStep.STARTED + "' }.message"))
                .contains("requested: automatic: node1 failing in every snapshot since");

        PgNode sync = FailoverClusterResource.sync;
        try (Connection c = sync.connect();
                ResultSet rs = c.createStatement().executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            assertThat(rs.getBoolean(1)).as("node2 promoted").isFalse();
        }
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath events = given().get("/events?node=node1&type=" + FailoverStep.STARTED)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(events.getString("items[0].details.message")).contains("requested: automatic:");
        });
        String metrics = metrics();
        assertThat(sample(metrics, "pgactive_failover_automatic_triggers_total", "node=\"node1\""))
                .isEqualTo("1.0");
        // in its cooldown now
        assertThat(sample(metrics, "pgactive_failover_automatic_armed", "")).isEqualTo("0.0");
    }

    private boolean standbysStreaming() {
        return bus.latest()
                .map(PublishedSnapshot::snapshot)
                .map(s -> {
                    ReplicationView v = FailoverRules.view(s, "node1", System.currentTimeMillis());
                    NodeState p = s.nodes().get("node1");
                    return p != null
                            && p.consecutiveFailures() == 0
                            && v.standbys().stream()
                                    .anyMatch(sb -> sb.node().equals("node2") && sb.synchronous() && sb.readable());
                })
                .orElse(false);
    }

    private static String metrics() {
        return given().header("Accept", "text/plain; version=0.0.4")
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
    }

    /** The value of {@code series} with exactly {@code labels} in the Prometheus text, or null. */
    private static String sample(String text, String series, String labels) {
        String head =
                labels.isEmpty() ? Pattern.quote(series) + "(\\{})?" : Pattern.quote(series + "{" + labels) + ",?}";
        Matcher m = Pattern.compile("(?m)^" + head + " (\\S+)$").matcher(text);
        return m.find() ? m.group(m.groupCount()) : null;
    }
}
