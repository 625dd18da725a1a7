package io.pgactive.tools.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The upgrade API's answers and refusals, as problem+json, against a real service, PostgreSQL and Temporal server. */
@QuarkusTest
@QuarkusTestResource(value = UpgradeClusterResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpgradeResourceTest {

    private static final String BEARER = "Bearer " + UpgradeClusterResource.TOKEN;
    private static final String START = "{\"source\": \"node1\", \"target_version\": 99, \"shifts\": [25, 25, 50],"
            + " \"tables\": [\"public.*\"], \"tags\": {\"team\": \"db\"}}";

    private static void ready() {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> given().get("/snapshot").statusCode() == 200
                        && given().get("/upgrades").statusCode() == 200);
    }

    @Test
    @Order(1)
    void mutatingCallsNeedTheBearerToken() {
        ready();
        given().contentType(ContentType.JSON)
                .body(START)
                .post("/upgrades")
                .then()
                .statusCode(401)
                .contentType(Problem.MEDIA_TYPE)
                .header("WWW-Authenticate", containsString("Bearer"));
        given().header("Authorization", "Bearer wrong")
                .contentType(ContentType.JSON)
                .body(START)
                .post("/upgrades")
                .then()
                .statusCode(401)
                .contentType(Problem.MEDIA_TYPE);
        given().contentType(ContentType.JSON)
                .body("{\"reason\": \"x\"}")
                .post("/upgrades/node1/rollback")
                .then()
                .statusCode(401);
    }

    @Test
    @Order(2)
    void badBodiesAreRefusedWithTheFieldAtFault() {
        ready();
        given().header("Authorization", BEARER)
                .contentType(ContentType.JSON)
                .body("{\"source\": \"node1\", \"target_version\": 18, \"shifts\": [60, 60]}")
                .post("/upgrades")
                .then()
                .statusCode(400)
                .contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("shifts: the steps add up to 120%"));
        given().header("Authorization", BEARER)
                .contentType(ContentType.JSON)
                .body("{\"source\": \"node1\"}")
                .post("/upgrades")
                .then()
                .statusCode(400)
                .contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("target_version"));
        given().header("Authorization", BEARER)
                .contentType(ContentType.JSON)
                .body("{\"source\": \"nodeX\", \"target_version\": 18}")
                .post("/upgrades")
                .then()
                .statusCode(400)
                .contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("names no configured node"));
        given().header("Authorization", BEARER)
                .contentType(ContentType.JSON)
                .body("{\"reason\": \" \"}")
                .post("/upgrades/node1/resume")
                .then()
                .statusCode(400)
                .contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("reason is required"));
    }

    @Test
    @Order(3)
    void anUnknownUpgradeIsNotFound() {
        ready();
        given().get("/upgrades/rolling-upgrade-node1")
                .then()
                .statusCode(404)
                .contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("no upgrade"));
        given().header("Authorization", BEARER)
                .contentType(ContentType.JSON)
                .body("{\"reason\": \"x\"}")
                .post("/upgrades/node1/approve")
                .then()
                .statusCode(404)
                .contentType(Problem.MEDIA_TYPE);
    }

    @Test
    @Order(4)
    void anUpgradeThatCannotGoOnEndsFailedAndRefusesOperatorRequests() {
        ready();
        given().header("Authorization", BEARER)
                .contentType(ContentType.JSON)
                .body(START)
                .post("/upgrades")
                .then()
                .statusCode(200)
                .body("id", equalTo("rolling-upgrade-node1"))
                .body("source", equalTo("node1"));
        // no binaries for version 99 (or a preflight finding): the upgrade stops by itself, having created nothing
        await().atMost(Duration.ofSeconds(90))
                .untilAsserted(() -> given().get("/upgrades/node1")
                        .then()
                        .statusCode(200)
                        .body("running", equalTo(false))
                        .body("progress.phase", equalTo("FAILED")));
        given().get("/upgrades/rolling-upgrade-node1")
                .then()
                .statusCode(200)
                .body("progress.state.error", notNullValue())
                .body("progress.request.target_version", equalTo(99));
        given().get("/upgrades")
                .then()
                .statusCode(200)
                .body("upgrades[0].id", equalTo("rolling-upgrade-node1"))
                .body("temporal.connection", equalTo("CONNECTED"));
        given().header("Authorization", BEARER)
                .contentType(ContentType.JSON)
                .body("{\"reason\": \"go on\"}")
                .post("/upgrades/node1/resume")
                .then()
                .statusCode(409)
                .contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("not running"));
        // the history is written behind the live state: the event arrives within a writer batch
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/events?type=upgrade")
                        .then()
                        .statusCode(200)
                        .body("items.type", Matchers.everyItem(equalTo("upgrade")))
                        .body("items.to", Matchers.hasItem("FAILED")));
    }
}
