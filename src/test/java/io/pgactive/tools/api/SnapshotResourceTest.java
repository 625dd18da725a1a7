package io.pgactive.tools.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.notNullValue;

import io.pgactive.tools.snapshot.SnapshotBus;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = ClusterResource.class, restrictToAnnotatedClass = true)
class SnapshotResourceTest {

    @BeforeEach
    void firstSnapshot() {
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() ->
                        given().get("/snapshot").then().statusCode(200).body("cluster.status", equalTo("HEALTHY")));
    }

    @Test
    void snapshotMatchesTheDesignShape() {
        given().get("/snapshot")
                .then()
                .statusCode(200)
                .contentType("application/json")
                .header("ETag", notNullValue())
                .body("version", greaterThan(0))
                .body("collected_at", notNullValue())
                .body("cluster.nodes_total", equalTo(2))
                .body("cluster.nodes_healthy", equalTo(2))
                .body("nodes.node1.name", equalTo("node1"))
                .body("nodes.node1.status", equalTo("HEALTHY"))
                .body("nodes.node1.consecutive_failures", equalTo(0))
                .body("nodes.node1.metrics.in_recovery", equalTo(false))
                .body("nodes.node1.links.size()", equalTo(0))
                .body("nodes.node2.custom", notNullValue());
    }

    @Test
    void etagFollowsTheVersionAndIfNoneMatchGives304() {
        Response first = given().get("/snapshot");
        String etag = first.header("ETag");
        long version = first.jsonPath().getLong("version");
        assertThat(etag).isEqualTo("\"" + version + "\"");
        // the same version is served as long as it is the latest; a newer one has a new tag
        int status = given().header("If-None-Match", etag).get("/snapshot").statusCode();
        assertThat(status).isIn(200, 304);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Response next = given().header("If-None-Match", etag).get("/snapshot");
            assertThat(next.statusCode()).isEqualTo(200);
            assertThat(next.jsonPath().getLong("version")).isGreaterThan(version);
            assertThat(next.header("ETag")).isEqualTo("\"" + next.jsonPath().getLong("version") + "\"");
        });
        String latest = given().get("/snapshot").header("ETag");
        Response notModified =
                given().header("If-None-Match", "\"1\", " + latest).get("/snapshot");
        if (notModified.statusCode() == 304) {
            assertThat(notModified.header("ETag")).isEqualTo(latest);
            assertThat(notModified.body().asString()).isEmpty();
        } else {
            // a new version was published in between: it must then be newer than the tag we sent
            assertThat(notModified.jsonPath().getLong("version"))
                    .isGreaterThan(Long.parseLong(latest.replace("\"", "")));
        }
    }

    @Test
    void noSnapshotYetIsA503ProblemWithRetryAfter() {
        SnapshotResource resource = new SnapshotResource();
        resource.bus = new SnapshotBus();
        jakarta.ws.rs.core.Response r = resource.snapshot(null);
        assertThat(r.getStatus()).isEqualTo(503);
        assertThat(r.getHeaderString("Retry-After")).isEqualTo("1");
        assertThat(r.getMediaType().toString()).isEqualTo("application/problem+json");
        assertThat(((Problem) r.getEntity()).detail()).contains("first scrape cycle");
    }

    @Test
    void healthReportsReadinessFromTheSnapshotAndLivenessFromTheLoop() {
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'snapshot' }.data.cluster_status", equalTo("HEALTHY"));
        given().get("/q/health/live")
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'collector' }.status", equalTo("UP"));
    }

    @Test
    void openApiDescribesTheSnapshotEndpoint() {
        given().accept("application/json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .body(containsString("/snapshot"))
                .body(containsString("If-None-Match"));
    }

    @Test
    void unknownPathsAndMethodsAreProblems() {
        given().post("/snapshot").then().statusCode(405);
        given().get("/nope").then().statusCode(404);
    }

    @Test
    void scrapeMetricsAreExported() {
        given().header("Accept", "text/plain; version=0.0.4")
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("pgactive_scrape_cycle_duration_seconds_bucket"))
                .body(containsString("pgactive_snapshot_publish_delay_seconds_count"))
                .body(containsString("pgactive_snapshot_version"));
    }
}
