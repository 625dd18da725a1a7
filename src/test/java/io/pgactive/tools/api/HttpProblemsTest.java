package io.pgactive.tools.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Every refusal is problem+json, whoever refuses: the HTTP layer (a request target too long or not a URI), the JSON
 * reader (a body of the wrong shape), a resource or the watch stream.
 */
@QuarkusTest
@QuarkusTestResource(value = ClusterResource.class, restrictToAnnotatedClass = true)
class HttpProblemsTest {

    @TestHTTPResource("/")
    URI base;

    private static void problem(Response r, int status) {
        assertThat(r.statusCode()).as("status").isEqualTo(status);
        assertThat(r.contentType()).as("content type of the %d", status).startsWith(Problem.MEDIA_TYPE);
        assertThat(r.jsonPath().getInt("status")).isEqualTo(status);
        assertThat(r.jsonPath().getString("detail")).isNotBlank();
    }

    /** An answer read off a plain socket: clients refuse to send an invalid request target. */
    private record RawAnswer(int status, String head, String body) {}

    private RawAnswer raw(String target) throws Exception {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream()
                    .write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int split = answer.indexOf("\r\n\r\n");
            String head = answer.substring(0, split);
            return new RawAnswer(
                    Integer.parseInt(head.substring(9, 12)),
                    head.toLowerCase(Locale.ROOT),
                    answer.substring(split + 4));
        }
    }

    private void rawProblem(String target, int status) throws Exception {
        RawAnswer a = raw(target);
        assertThat(a.status()).as("status for %.40s", target).isEqualTo(status);
        assertThat(a.head()).as("content type for %.40s", target).contains("content-type: " + Problem.MEDIA_TYPE);
        assertThat(a.body()).contains("\"status\":" + status).contains("\"detail\":");
    }

    @Test
    void theHttpLayersRefusalsAreProblems() throws Exception {
        rawProblem("/snapshot?pad=" + "a".repeat(10_000), 414);
        rawProblem("/nodes/%zz", 400);
        rawProblem("/events?type=%zz", 400);
        rawProblem("/watch?nodes=%zz", 400);
        // a valid target still works, escapes included
        assertThat(raw("/nodes/node1").status()).isEqualTo(200);
        assertThat(raw("/events?type=node%5Fjoined").status()).isEqualTo(200);
    }

    @Test
    void aBodyOfTheWrongShapeIsAProblemThatNamesNoInternals() {
        for (String body :
                List.of("[1,2]", "\"text\"", "{\"action\":{\"nested\":1},\"reason\":\"r\"}", "{\"action\":\"pause\"")) {
            Response r = given().contentType("application/json").body(body).post("/guards/app/override");
            problem(r, 400);
            assertThat(r.jsonPath().getString("detail"))
                    .as(body)
                    .startsWith("body: ")
                    .doesNotContain("java", "Override");
        }
    }

    @Test
    void theWatchStreamRefusesWhatItCannotServe() {
        given().get("/watch?nodes=,,,")
                .then()
                .statusCode(400)
                .contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("nodes"));
        given().accept("application/json").get("/watch").then().statusCode(406).contentType(Problem.MEDIA_TYPE);
        given().post("/watch").then().statusCode(405).header("Allow", "GET").contentType(Problem.MEDIA_TYPE);
        given().delete("/watch").then().statusCode(405).contentType(Problem.MEDIA_TYPE);
    }

    @Test
    void eventsUntilAFutureTimeStillCoverTheLastDay() {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> given().get("/events").jsonPath().getList("items").size() >= 2);
        int recent = given().get("/events").jsonPath().getList("items").size();
        given().queryParam("until", Instant.now().plus(Duration.ofDays(3)).toString())
                .get("/events")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(recent));
        given().queryParam("until", Instant.now().plus(Duration.ofDays(3)).toString())
                .get("/conflicts")
                .then()
                .statusCode(200);
        // an explicit window in the future is still empty, not an error
        given().queryParam("since", Instant.now().plus(Duration.ofDays(2)).toString())
                .queryParam("until", Instant.now().plus(Duration.ofDays(3)).toString())
                .get("/events")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(0));
        given().get("/events").then().body("items.size()", not(equalTo(0)));
    }
}
