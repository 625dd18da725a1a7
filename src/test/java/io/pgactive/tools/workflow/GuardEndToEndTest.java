package io.pgactive.tools.workflow;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.cli.CliRun;
import io.pgactive.tools.testing.InsertLoop;
import io.pgactive.tools.testing.PgNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The guard end to end, every part real: lag created by pausing WAL replay on the standby, the collector measuring it,
 * the guard workflow on Temporal's test server deciding, PgBouncer holding the writes of a client, and the same
 * client's writes completing after lag recovers.
 */
@QuarkusTest
@QuarkusTestResource(value = GuardClusterResource.class, restrictToAnnotatedClass = true)
class GuardEndToEndTest {

    private static JsonPath guard() {
        return given().get("/guards/" + GuardClusterResource.GATE)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    /** The value of {@code pgactive_guard_writes_paused} for the test's gate, from the Prometheus text format. */
    private static String writesPausedMetric() {
        String text = given().accept("text/plain; version=0.0.4")
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        Matcher m = Pattern.compile("(?m)^pgactive_guard_writes_paused\\{gate=\"" + GuardClusterResource.GATE
                        + "\",node=\"node1\",?} (\\S+)$")
                .matcher(text);
        return m.find() ? m.group(1) : "absent";
    }

    @Test
    void writesAreHeldWhileTheStandbyLagsAndCompleteWithoutErrorOrLossOnceItCatchesUp() throws Exception {
        // running is null until the worker has reached Temporal
        await().atMost(Duration.ofSeconds(60))
                .until(() -> Boolean.TRUE.equals(guard().get("running"))
                        && "OPEN".equals(guard().getString("status.state.gate")));

        try (InsertLoop writer = new InsertLoop(
                GuardClusterResource.bouncer.jdbcUrl(PgNode.DATABASE),
                GuardClusterResource.bouncer.jdbcProperties(),
                GuardClusterResource.TABLE)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.completed() >= 50);

            GuardClusterResource.standby.execute("SELECT pg_wal_replay_pause()");
            await().atMost(Duration.ofSeconds(60)).until(() -> !"OPEN".equals(guard().getString("status.state.gate")));
            JsonPath paused = guard();
            await().atMost(Duration.ofSeconds(10)).until(() -> "1.0".equals(writesPausedMetric()));
            assertThat(paused.getDouble("status.state.lag_seconds")).isGreaterThan(GuardClusterResource.PAUSE_ABOVE);

            // held, not failed: one insert waits in PgBouncer and nothing completes while lag stays high
            long held = writer.completed();
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> writer.completed() == held && writer.issued() == held + 1);
            assertThat(writer.failed()).isZero();

            GuardClusterResource.standby.execute("SELECT pg_wal_replay_resume()");
            await().atMost(Duration.ofSeconds(60)).until(() -> "OPEN".equals(guard().getString("status.state.gate")));
            await().atMost(Duration.ofSeconds(10)).until(() -> "0.0".equals(writesPausedMetric()));
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.completed() > held + 50);
            writer.close();
            assertThat(writer.failed())
                    .as("writer errors, last: %s", writer.lastError())
                    .isZero();
            long rows = GuardClusterResource.primary.queryLong("SELECT count(*) FROM " + GuardClusterResource.TABLE);
            assertThat(rows).isEqualTo(writer.completed()).isEqualTo(writer.issued());
        }

        String server = "http://localhost:" + RestAssured.port;
        String gate = GuardClusterResource.GATE;
        CliRun ok = CliRun.inProcess("guard", "--server", server);
        assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.summary()).startsWith("GUARD OK").contains("running, writes open");
        CliRun noToken = CliRun.inProcess("guard", gate, "--pause", "--reason", "x", "--server", server);
        assertThat(noToken.exit()).isEqualTo(3);
        assertThat(noToken.err()).contains("--token");
        CliRun held = CliRun.inProcess(
                Map.of("PGACTIVE_TOOLS_GUARD_TOKEN", GuardClusterResource.TOKEN),
                false,
                "guard",
                gate,
                "--pause",
                "--reason",
                "index rebuild",
                "--fail-on-warn",
                "--server",
                server);
        assertThat(held.exit()).as(held.out() + held.err()).isEqualTo(1);
        assertThat(held.summary()).startsWith("GUARD WARNING").contains("writes PAUSED, mode HELD_PAUSED");
        CliRun json = CliRun.inProcess("guard", gate, "--format", "json", "--server", server);
        JsonPath parsed = JsonPath.from(json.out());
        assertThat(parsed.getString("guards[0].writes")).isEqualTo("PAUSED");
        assertThat(parsed.getString("guards[0].last_reason")).contains("index rebuild");
        CliRun released = CliRun.inProcess(
                "guard",
                gate,
                "--release",
                "--reason",
                "done",
                "--token",
                GuardClusterResource.TOKEN,
                "--server",
                server);
        assertThat(released.exit()).as(released.out() + released.err()).isZero();
        CliRun wrongToken = CliRun.inProcess("guard", gate, "--stop", "--token", "nope", "--server", server);
        assertThat(wrongToken.exit()).isEqualTo(3);
        assertThat(wrongToken.summary()).startsWith("GUARD UNKNOWN").contains("bearer token");

        List<String> transitions = given().queryParam("type", "guard")
                .get("/events")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items.details.action", String.class);
        assertThat(transitions).contains("started", "pause", "resume");
    }
}
