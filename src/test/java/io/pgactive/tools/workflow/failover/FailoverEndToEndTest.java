package io.pgactive.tools.workflow.failover;

import static io.pgactive.tools.workflow.failover.FailoverClusterResource.APP_PASSWORD;
import static io.pgactive.tools.workflow.failover.FailoverClusterResource.APP_USER;
import static io.pgactive.tools.workflow.failover.FailoverClusterResource.TABLE;
import static io.pgactive.tools.workflow.failover.FailoverClusterResource.TOKEN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.pgactive.tools.cli.CliRun;
import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.testing.AckedWriter;
import io.pgactive.tools.testing.AckedWriter.Ack;
import io.pgactive.tools.testing.PgNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URI;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The failover on real processes: a client writes through HAProxy with synchronous commit while the primary is killed
 * with SIGKILL; the service's failover promotes the synchronous standby, writes resume through the router, every
 * acknowledged write is on the new primary, and the old primary, started again, gets no connection from the router.
 */
@QuarkusTest
@QuarkusTestResource(value = FailoverClusterResource.class, restrictToAnnotatedClass = true)
class FailoverEndToEndTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    private static final String ROWS = "SELECT count(*), md5(string_agg(id || ':' || payload, ',' ORDER BY id))"
            + " FROM " + TABLE + " WHERE id = ANY (?)";

    @Inject
    SnapshotBus bus;

    @Test
    void killedPrimaryIsReplacedByTheSynchronousStandbyWithoutLosingAnAcknowledgedWrite() throws Exception {
        PgNode primary = FailoverClusterResource.primary;
        PgNode sync = FailoverClusterResource.sync;
        await().atMost(WAIT).until(() -> standbysStreaming("node2", "node3"));
        // the worker connects to Temporal in the background after start-up; until then failovers answer 503
        await().atMost(WAIT).until(() -> given().get("/q/health/group/temporal").statusCode() == 200);
        String server = "http://localhost:" + RestAssured.port;
        try (OperationsWatcher watcher = new OperationsWatcher(URI.create(server), Failover.workflowId("node1"))) {
            await().atMost(WAIT).until(() -> watcher.firstVersion() >= 0);
            failOverAndRecover(server);
            // /watch showed each run as it went, in deltas: the refusal, the failover up to its last step, the
            // refused rerun (a 500 ms interval may fold the failover's middle steps into one version)
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(watcher.seen())
                            .extracting(OperationsWatcher.Seen::state)
                            .containsSubsequence("FAILED", "COMPLETED", "FAILED"));
            List<OperationsWatcher.Seen> seen = watcher.seen();
            assertThat(seen).allMatch(OperationsWatcher.Seen::fromDelta);
            assertThat(seen.get(0).step()).isEqualTo(FailoverStep.FAILED);
            OperationsWatcher.Seen completed = seen.stream()
                    .filter(x -> x.state().equals("COMPLETED"))
                    .findFirst()
                    .orElseThrow();
            assertThat(completed.step()).isEqualTo(FailoverStep.TRAFFIC_REPOINTED);
            assertThat(completed.nodes()).containsExactly("node1", "node2");
        }
    }

    private void failOverAndRecover(String server) throws Exception {
        PgNode primary = FailoverClusterResource.primary;
        PgNode sync = FailoverClusterResource.sync;
        // the operator's view first: node2 streams synchronously, node3 asynchronously
        await().atMost(WAIT).untilAsserted(() -> {
            CliRun status = CliRun.inProcess("replication", "status", "node1", "--server", server, "-f", "json");
            JsonPath view = JsonPath.from(status.out());
            assertThat(status.exit()).as(status.out()).isZero();
            assertThat(view.getString("primaries[0].result")).isEqualTo("OK");
            assertThat(view.getList("primaries[0].standbys.node", String.class))
                    .containsExactlyInAnyOrder("node2", "node3");
            assertThat(view.getString("primaries[0].standbys.find { it.node == 'node2' }.sync_state"))
                    .isEqualTo("sync");
        });
        given().contentType(ContentType.JSON)
                .body(Map.of("primary", "node1"))
                .post("/failovers")
                .then()
                .statusCode(401);
        JsonPath refused = start(Map.of("primary", "node1"));
        String id = refused.getString("id");
        assertThat(id).isEqualTo(Failover.workflowId("node1"));
        JsonPath healthyRefusal = awaitEnded(id);
        assertThat(healthyRefusal.getString("progress.phase")).isEqualTo("REFUSED");
        assertThat(healthyRefusal.getString("progress.error")).contains("answers a direct probe");

        Properties props = new Properties();
        props.setProperty("user", APP_USER);
        props.setProperty("password", APP_PASSWORD);
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", "20");
        props.setProperty("options", "-c synchronous_commit=on");
        String viaRouter = "jdbc:postgresql://" + FailoverClusterResource.haproxy.host() + ":"
                + FailoverClusterResource.haproxy.port() + "/" + PgNode.DATABASE;
        try (AckedWriter writer = new AckedWriter(viaRouter, props, TABLE)) {
            await().atMost(WAIT).until(() -> writer.acked() >= 50);
            long killedNanos = System.nanoTime();
            long killedMillis = System.currentTimeMillis();
            primary.kill();
            List<Ack> beforeKill = writer.acks().stream()
                    .filter(a -> a.serverPort() == primary.port())
                    .toList();
            await().atMost(WAIT)
                    .until(() -> bus.latest()
                            .map(PublishedSnapshot::snapshot)
                            .map(s -> s.nodes().get("node1").status() == NodeStatus.DOWN)
                            .orElse(false));
            long detectedMillis = System.currentTimeMillis();

            CliRun failover = CliRun.inProcess(
                    "replication", "failover", "node1", "--reason", "node1 lost", "--token", TOKEN, "--server", server);
            assertThat(failover.exit()).as(failover.out() + failover.err()).isZero();
            JsonPath done = awaitEnded(id);
            assertThat(done.getString("progress.phase"))
                    .as(done.getString("progress.error"))
                    .isEqualTo("COMPLETED");
            assertThat(done.getString("progress.decision.standby")).isEqualTo("node2");
            // a repeated request right after answers with the completed failover and changes nothing
            JsonPath repeated = start(Map.of("primary", "node1", "reason", "node1 lost"));
            assertThat(repeated.getString("progress.phase")).isEqualTo("COMPLETED");
            assertThat(repeated.getLong("progress.started_at_millis"))
                    .isEqualTo(done.getLong("progress.started_at_millis"));
            assertThat(done.getList("progress.steps.type"))
                    .containsExactly(
                            FailoverStep.STARTED,
                            FailoverStep.FENCED,
                            FailoverStep.PROMOTED,
                            FailoverStep.SYNC_CONFIGURED,
                            FailoverStep.TRAFFIC_REPOINTED);
            // node2 inherited 'node2' from node1: without the step, the writes below would wait forever
            assertThat(done.getString("progress.steps.find { it.type == 'sync_configured' }.message"))
                    .contains("'node2' -> ''");

            await().atMost(WAIT).until(() -> writer.ackedOn(sync.port()) >= 20);
            assertHolds(sync, beforeKill);
            long firstOnNew = writer.acks().stream()
                    .filter(a -> a.serverPort() == sync.port())
                    .mapToLong(Ack::ackNanos)
                    .min()
                    .orElseThrow();
            long startedAt = step(done, FailoverStep.STARTED);
            System.out.printf(
                    "failover: death to first write accepted through the router %d ms: detection (snapshot DOWN) %d ms,"
                            + " request %d ms, decision+fence %d ms, promotion %d ms, re-pointing %d ms%n",
                    (firstOnNew - killedNanos) / 1_000_000,
                    detectedMillis - killedMillis,
                    startedAt - detectedMillis,
                    step(done, FailoverStep.FENCED) - done.getLong("progress.started_at_millis"),
                    step(done, FailoverStep.PROMOTED) - step(done, FailoverStep.FENCED),
                    step(done, FailoverStep.TRAFFIC_REPOINTED) - step(done, FailoverStep.PROMOTED));
        }
        // node2 now writes alone: node3 still follows the dead node1 until it is re-pointed
        await().atMost(WAIT).untilAsserted(() -> {
            CliRun alone = CliRun.inProcess("replication", "status", "node2", "--server", server);
            assertThat(alone.exit()).as(alone.out()).isEqualTo(2);
            assertThat(alone.out()).contains("node2: no standby streaming");
        });

        primary.start();
        for (int i = 0; i < 5; i++) {
            try (Connection c = DriverManager.getConnection(viaRouter, props);
                    ResultSet rs = c.createStatement().executeQuery("SELECT inet_server_port(), pg_is_in_recovery()")) {
                rs.next();
                assertThat(rs.getInt(1)).as("server behind the router").isEqualTo(sync.port());
                assertThat(rs.getBoolean(2)).isFalse();
            }
        }
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath events = given().get("/events?node=node1&type=" + FailoverStep.PROMOTED)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(events.getList("items.to")).containsExactly("node2");
            assertThat(events.getString("items[0].details.failover")).isEqualTo(id);
        });
        synchronousStandbysForTheOperator(server);
        String metrics = given().header("Accept", "text/plain; version=0.0.4")
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        // the refusal of the healthy primary counts as failed, the failover after the kill as started and completed
        assertThat(sample(metrics, "pgactive_failovers_failed_total")).isEqualTo("1.0");
        assertThat(sample(metrics, "pgactive_failovers_started_total")).isEqualTo("1.0");
        assertThat(sample(metrics, "pgactive_failovers_completed_total")).isEqualTo("1.0");
        assertThat(sample(metrics, "pgactive_failover_running")).isEqualTo("0.0");
        assertThat(sample(metrics, "pgactive_failover_promote_duration_seconds_count"))
                .isEqualTo("1.0");

        // past rerun-after, a request for node1 is not answered with the old outcome: a new failover runs, and its
        // rules refuse it, since node1 answers again
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath again = start(Map.of("primary", "node1", "reason", "node1 again"));
            assertThat(again.getString("progress.phase")).isNotEqualTo("COMPLETED");
        });
        JsonPath rerun = awaitEnded(id);
        assertThat(rerun.getString("progress.phase")).isEqualTo("REFUSED");
        assertThat(rerun.getString("progress.error")).contains("answers a direct probe");
    }

    /** After the failover: the operator reads and sets node2's synchronous standbys, by HTTP and with the CLI. */
    private static void synchronousStandbysForTheOperator(String server) {
        given().get("/nodes/node2/synchronous-standbys")
                .then()
                .statusCode(200)
                .body("node", equalTo("node2"))
                .body("value", equalTo(""));
        given().contentType(ContentType.JSON)
                .body(Map.of("names", List.of()))
                .put("/nodes/node2/synchronous-standbys")
                .then()
                .statusCode(401);
        given().header("Authorization", "Bearer " + TOKEN)
                .contentType(ContentType.JSON)
                .body(Map.of("names", List.of("node3'; RESET ALL; --")))
                .put("/nodes/node2/synchronous-standbys")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("is not a node name"));
        given().header("Authorization", "Bearer " + TOKEN)
                .contentType(ContentType.JSON)
                .body(Map.of("names", List.of("node9")))
                .put("/nodes/node2/synchronous-standbys")
                .then()
                .statusCode(400);
        given().get("/nodes/node9/synchronous-standbys").then().statusCode(404);
        given().get("/nodes/node2").then().statusCode(200);

        CliRun none = CliRun.inProcess(
                "replication", "sync-standbys", "node2", "--none", "--token", TOKEN, "--server", server, "-f", "json");
        assertThat(none.exit()).as(none.out() + none.err()).isZero();
        assertThat(JsonPath.from(none.out()).getString("synchronous_standby_names"))
                .isEmpty();
        CliRun shown = CliRun.inProcess("replication", "sync-standbys", "node2", "--server", server);
        assertThat(shown.exit()).as(shown.out() + shown.err()).isZero();
        assertThat(shown.out()).contains("node2: synchronous standbys none (asynchronous)");
    }

    private boolean standbysStreaming(String... standbys) {
        return bus.latest()
                .map(PublishedSnapshot::snapshot)
                .map(s -> {
                    ReplicationView v = FailoverRules.view(s, "node1", System.currentTimeMillis());
                    return v.standbys().stream()
                                            .filter(sb -> sb.wasStreaming() && sb.readable())
                                            .count()
                                    == standbys.length
                            && v.standbys().stream().anyMatch(sb -> sb.node().equals("node2") && sb.synchronous());
                })
                .orElse(false);
    }

    /** When the failover recorded its step of {@code type} (epoch millis). */
    static long step(JsonPath failover, String type) {
        return failover.getLong("progress.steps.find { it.type == '" + type + "' }.at_millis");
    }

    /** The value of {@code series} for node1 in the Prometheus text, or null. */
    private static String sample(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + "\\{node=\"node1\",?} (\\S+)$")
                .matcher(text);
        return m.find() ? m.group(1) : null;
    }

    private static JsonPath start(Map<String, Object> body) {
        return given().header("Authorization", "Bearer " + TOKEN)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/failovers")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static JsonPath awaitEnded(String id) {
        await().atMost(WAIT)
                .until(() -> !given().get("/failovers/" + id)
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getBoolean("running"));
        return given().get("/failovers/" + id).then().statusCode(200).extract().jsonPath();
    }

    /** {@code node} holds every acknowledged row: the same count and checksum over id and payload. */
    private static void assertHolds(PgNode node, List<Ack> acks) throws SQLException {
        try (Connection c = node.connect();
                PreparedStatement st = c.prepareStatement(ROWS)) {
            Array ids = c.createArrayOf("bigint", acks.stream().map(Ack::id).toArray(Long[]::new));
            st.setArray(1, ids);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1))
                        .as("acknowledged rows on the new primary")
                        .isEqualTo(acks.size());
                assertThat(rs.getString(2))
                        .as("checksum of the acknowledged rows")
                        .isEqualTo(AckedWriter.checksum(acks));
            }
        }
    }
}
