package io.pgactive.tools.workflow;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@code POST /guards/{gate}/override} answers when it refuses, against a real guard on Temporal's test server:
 * a bad body is 400, a refused state 409 in the guard's own words (no Temporal failure rendering), and a reason's
 * control characters reach the guard's record (and its log line) escaped.
 */
@QuarkusTest
@QuarkusTestResource(value = GuardClusterResource.class, restrictToAnnotatedClass = true)
class GuardOverrideProblemsTest {

    private static final String PATH = "/guards/" + GuardClusterResource.GATE;

    private static JsonPath guard() {
        return given().get(PATH).then().statusCode(200).extract().jsonPath();
    }

    private static Response override(String action, String reason) {
        return given().header("Authorization", "Bearer " + GuardClusterResource.TOKEN)
                .contentType("application/json")
                .body(Map.of("action", action, "reason", reason))
                .post(PATH + "/override");
    }

    @Test
    void refusalsAreProblemsInPlainWordsAndReasonsCannotForgeLines() {
        await().atMost(Duration.ofSeconds(90))
                .until(() -> Boolean.TRUE.equals(guard().get("running"))
                        && "OPEN".equals(guard().getString("status.state.gate")));

        Response nothing = override("release", "tidy up");
        assertThat(nothing.statusCode()).isEqualTo(409);
        assertThat(nothing.contentType()).startsWith("application/problem+json");
        assertThat(nothing.jsonPath().getString("detail"))
                .startsWith("nothing to release")
                .doesNotContain("type=", "nonRetryable", "java.", "Exception");

        Response tooLong = override("pause", "r".repeat(201));
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.contentType()).startsWith("application/problem+json");
        assertThat(tooLong.jsonPath().getString("detail"))
                .contains("reason")
                .contains("200")
                .doesNotContain("java.");

        Response paused = override("pause", "maintenance\n2026-01-01 00:00:00 INFO forged line\u001b[2K");
        assertThat(paused.statusCode()).as(paused.asString()).isEqualTo(200);
        List<String> reasons = guard().getList("status.state.recent.reason", String.class);
        assertThat(reasons)
                .anySatisfy(
                        r -> assertThat(r).contains("maintenance\\n2026-01-01 00:00:00 INFO forged line\\u001b[2K"));
        assertThat(reasons).allSatisfy(r -> assertThat(r).doesNotContain("\n").doesNotContain("\u001b"));

        Response released = override("release", "done");
        assertThat(released.statusCode()).as(released.asString()).isEqualTo(200);
    }
}
