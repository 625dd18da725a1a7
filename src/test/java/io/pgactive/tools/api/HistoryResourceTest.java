package io.pgactive.tools.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = ClusterResource.class, restrictToAnnotatedClass = true)
class HistoryResourceTest {

    @BeforeEach
    void someHistory() {
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(
                        () -> given().get("/snapshots").then().statusCode(200).body("items.size()", greaterThan(2)));
    }

    @Test
    void storedSnapshotsAreTheBytesThatWerePublished() {
        Response live = given().get("/snapshot");
        long version = live.jsonPath().getLong("version");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> assertThat(given().get("/snapshots/" + version).asByteArray())
                                .isEqualTo(live.asByteArray()));
        List<Long> versions = given().get("/snapshots").jsonPath().getList("items.version", Long.class);
        assertThat(versions).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        given().queryParam("limit", 1)
                .get("/snapshots")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(1))
                .body("items[0].cluster_status", equalTo("HEALTHY"))
                .body("items[0].full_snapshot", equalTo(true))
                .body("next_before", notNullValue());
        long before = versions.get(0);
        given().queryParam("before", before)
                .get("/snapshots")
                .then()
                .statusCode(200)
                .body("items[0].version", equalTo((int) (before - 1)));
        given().get("/snapshots/999999999").then().statusCode(404).contentType(Problem.MEDIA_TYPE);
    }

    @Test
    void nodesTheirHistoryAndEvents() {
        given().get("/nodes")
                .then()
                .statusCode(200)
                .body("items.name", hasItems("node1", "node2"))
                .body("items.present", hasItem(true));
        given().get("/nodes/node1")
                .then()
                .statusCode(200)
                .body("status", equalTo("HEALTHY"))
                .body("roles", notNullValue())
                .body("last_sample.status", equalTo("HEALTHY"))
                .body("last_sample.in_recovery", equalTo(false));
        given().get("/nodes/node1/history")
                .then()
                .statusCode(200)
                .body("node", equalTo("node1"))
                .body("points.size()", greaterThan(2))
                .body("points.status", hasItem("HEALTHY"))
                .body("points[0].samples", equalTo(1));
        Response stepped = given().queryParam("step", "1h")
                .queryParam("from", Instant.now().minusSeconds(600).toString())
                .get("/nodes/node1/history");
        assertThat(stepped.statusCode()).isEqualTo(200);
        assertThat(stepped.jsonPath().getList("points")).hasSizeBetween(1, 2);
        assertThat(stepped.jsonPath().getInt("points[0].samples")).isGreaterThan(1);
        given().get("/events?node=node1").then().statusCode(200).body("items.type", hasItem("node_joined"));
        given().get("/events?type=node_joined").then().statusCode(200).body("items.node", hasItems("node1", "node2"));
        given().get("/conflicts").then().statusCode(200).body("items.size()", equalTo(0));
        given().get("/q/health/ready").then().statusCode(200).body("checks.name", hasItem("history"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("pgactive_store_healthy 1.0"));
    }

    @Test
    void badParametersAre400ProblemsNamingTheParameter() {
        String[][] cases = {
            {"/snapshots?from=yesterday", "from"},
            {"/snapshots?from=2026-07-17T10:00:00Z&to=2026-07-17T09:00:00Z", "from"},
            {"/snapshots?limit=0", "limit"},
            {"/snapshots?limit=5000", "limit"},
            {"/snapshots?before=-3", "before"},
            {"/snapshots/abc", "version"},
            {"/nodes/node1/history?step=500ms", "step"},
            {"/nodes/node1/history?step=fortnight", "step"},
            {"/nodes/node1/history?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"},
            {"/nodes/node1/history?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&step=1s", "step"},
            {"/events?type=meltdown", "type"},
            {"/events?since=2026-13-01T00:00:00Z", "since"},
            {"/events?before_id=x", "before_id"},
            {"/conflicts?table=.orders", "table"},
            {"/conflicts?until=now", "until"},
        };
        for (String[] c : cases) {
            Response r = given().get(c[0]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(r.contentType()).as(c[0]).startsWith(Problem.MEDIA_TYPE);
            assertThat(r.jsonPath().getString("detail")).as(c[0]).contains(c[1]);
        }
        for (String path : List.of("/nodes/nope", "/nodes/nope/history", "/events?node=nope", "/conflicts?node=nope")) {
            given().get(path)
                    .then()
                    .statusCode(404)
                    .contentType(Problem.MEDIA_TYPE)
                    .body("detail", containsString("nope"));
        }
    }
}
