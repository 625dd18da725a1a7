package io.pgactive.tools.api.credentials;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.awaitility.Awaitility;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole service with passwords read from references: neither the working password nor the refused one (nor the
 * server's real one) appears in any answer the service gives — snapshot, nodes, history, events, metrics, health,
 * error bodies — or in a log line, while one node works and the other is refused.
 */
@QuarkusTest
@QuarkusTestResource(value = ReferencedPasswordClusterResource.class, restrictToAnnotatedClass = true)
class SecretLeakTest {

    private static final List<String> logLines = new CopyOnWriteArrayList<>();
    private static final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logLines.add(r instanceof ExtLogRecord ext ? ext.getFormattedMessage() : String.valueOf(r.getMessage()));
            if (r.getThrown() != null) {
                logLines.add(String.valueOf(r.getThrown()));
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeAll
    static void captureLogs() {
        Logger.getLogger("").addHandler(capture);
    }

    @AfterAll
    static void stopCapturing() {
        Logger.getLogger("").removeHandler(capture);
    }

    private static String body(String path, int status) {
        return given().when().get(path).then().statusCode(status).extract().asString();
    }

    private static void assertNoSecretIn(String where, String text) {
        for (String secret : ReferencedPasswordClusterResource.secretValues) {
            assertThat(text).as(where).doesNotContain(secret);
        }
    }

    @Test
    void noSecretValueLeavesTheServiceWhileOneNodeWorksAndTheOtherIsRefused() {
        assertThat(ReferencedPasswordClusterResource.secretValues).hasSize(3);
        // node1's referenced password works; node2's is refused by the server, and the node says why
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            String node1 = body("/nodes/node1", 200);
            String node2 = body("/nodes/node2", 200);
            assertThat(node1).contains("\"HEALTHY\"");
            assertThat(node2).contains("\"auth\"");
        });
        // the failure was recorded as an event too, so /events has something to leak
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(body("/events", 200)).contains("node2"));

        for (String path : List.of(
                "/snapshot",
                "/nodes",
                "/nodes/node1",
                "/nodes/node2",
                "/nodes/node2/history",
                "/events",
                "/conflicts",
                "/snapshots",
                "/q/health/ready",
                "/q/metrics")) {
            int status = path.equals("/q/health/ready") ? given().get(path).statusCode() : 200;
            assertNoSecretIn(path, body(path, status));
        }
        // error bodies: unknown node, bad parameters, a mutating call without its token
        assertNoSecretIn("unknown node", body("/nodes/nope", 404));
        assertNoSecretIn("bad parameter", body("/nodes/node2/history?from=yesterday", 400));
        assertNoSecretIn(
                "no token",
                given().contentType("application/json")
                        .body("{\"source\":\"node2\",\"target_version\":18}")
                        .when()
                        .post("/upgrades")
                        .then()
                        .extract()
                        .asString());
        assertThat(logLines).isNotEmpty();
        for (String line : logLines) {
            assertNoSecretIn("log line", line);
        }
    }
}
