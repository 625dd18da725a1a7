package io.pgactive.tools.workflow;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.workflow.gate.PgBouncerWriteGate;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.core.Vertx;
import jakarta.inject.Inject;
import java.time.Duration;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The service starts while Temporal is down, serves for a minute without it, and picks Temporal up when it appears;
 * the guard API refuses clearly meanwhile, and works once it is there.
 */
@QuarkusTest
@QuarkusTestResource(value = LateTemporalResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TemporalLaterTest {

    private static final String BEARER = "Bearer " + LateTemporalResource.TOKEN;

    @Inject
    Vertx vertx;

    @Test
    @Order(1)
    void withoutTemporalTheServiceMonitorsAndTheGuardApiSaysWhy() {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> given().get("/snapshot").statusCode() == 200);
        given().get("/q/health/ready").then().statusCode(200);
        // the worker's first probe runs in the background after start-up: CONNECTING until it has answered
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/q/health/group/temporal")
                        .then()
                        .statusCode(503)
                        .body("checks[0].data.connection", equalTo("UNREACHABLE")));
        given().get("/guards")
                .then()
                .statusCode(200)
                .body("temporal.connection", equalTo("UNREACHABLE"))
                .body("guards[0].gate", equalTo(LateTemporalResource.GATE))
                .body("guards[0].running", nullValue())
                .body("guards[0].pgbouncer", containsString("127.0.0.1"))
                .body(
                        "guards[0].pgbouncer",
                        Matchers.not(containsString(LateTemporalResource.bouncer.adminPassword())));

        given().post("/guards/" + LateTemporalResource.GATE)
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"));
        given().header("Authorization", "Bearer wrong")
                .post("/guards/" + LateTemporalResource.GATE)
                .then()
                .statusCode(401);
        given().header("Authorization", BEARER)
                .post("/guards/nosuchgate")
                .then()
                .statusCode(404)
                .body("detail", containsString("nosuchgate"));
        given().header("Authorization", BEARER)
                .contentType(ContentType.JSON)
                .body("{\"action\":\"hold\",\"reason\":\"x\"}")
                .post("/guards/" + LateTemporalResource.GATE + "/override")
                .then()
                .statusCode(400)
                .body("detail", containsString("action"));
        given().header("Authorization", BEARER)
                .contentType(ContentType.JSON)
                .body("{\"action\":\"pause\"}")
                .post("/guards/" + LateTemporalResource.GATE + "/override")
                .then()
                .statusCode(400)
                .body("detail", containsString("reason"));
        given().header("Authorization", BEARER)
                .post("/guards/" + LateTemporalResource.GATE)
                .then()
                .statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", Matchers.notNullValue())
                .body("detail", containsString("127.0.0.1:" + LateTemporalResource.temporalPort));

        // a minute without Temporal: snapshots keep coming, readiness stays up
        long before = given().get("/snapshot").then().extract().jsonPath().getLong("version");
        await().during(Duration.ofSeconds(60))
                .atMost(Duration.ofSeconds(75))
                .pollInterval(Duration.ofSeconds(5))
                .until(() -> given().get("/q/health/ready").statusCode() == 200
                        && given().get("/q/health/group/temporal").statusCode() == 503);
        assertThat(given().get("/snapshot").then().extract().jsonPath().getLong("version"))
                .isGreaterThan(before + 60);
    }

    @Test
    @Order(2)
    void whenTemporalAppearsTheWorkerConnectsAndTheGuardRuns() {
        LateTemporalResource.startTemporal();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> given().get("/q/health/group/temporal").statusCode() == 200);
        String gate = "/guards/" + LateTemporalResource.GATE;
        // started automatically once connected; a second start finds the same run
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Boolean.TRUE.equals(given().get(gate).jsonPath().get("running")));
        given().header("Authorization", BEARER)
                .post(gate)
                .then()
                .statusCode(200)
                .body("running", equalTo(true));

        given().header("Authorization", BEARER)
                .contentType(ContentType.JSON)
                .body("{\"action\":\"release\",\"reason\":\"nothing held\"}")
                .post(gate + "/override")
                .then()
                .statusCode(409)
                .body("detail", containsString("nothing to release"));
        given().header("Authorization", BEARER)
                .contentType(ContentType.JSON)
                .body("{\"action\":\"pause\",\"reason\":\"schema migration\"}")
                .post(gate + "/override")
                .then()
                .statusCode(200)
                .body("status.state.gate", equalTo("PAUSED"))
                .body("status.state.mode", equalTo("HELD_PAUSED"));
        PgBouncerWriteGate direct = new PgBouncerWriteGate(
                Dsn.parse(LateTemporalResource.bouncer.adminDsn()), PgNode.DATABASE, vertx, Duration.ofSeconds(10));
        assertThat(direct.state()).isEqualTo(GateState.PAUSED);

        // stopping the guard opens what it paused
        given().header("Authorization", BEARER)
                .delete(gate + "?reason=done")
                .then()
                .statusCode(200);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Boolean.FALSE.equals(given().get(gate).jsonPath().get("running")));
        assertThat(direct.state()).isEqualTo(GateState.OPEN);
    }
}
