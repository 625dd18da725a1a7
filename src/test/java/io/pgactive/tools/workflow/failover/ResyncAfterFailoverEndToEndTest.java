package io.pgactive.tools.workflow.failover;

import static io.pgactive.tools.workflow.failover.ResyncClusterResource.TOKEN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.cli.CliRun;
import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Operation;
import io.pgactive.tools.contract.snapshot.Operation.OperationState;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.testing.DebianPgServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A failover asked to resync its old primary, on real servers: the failover completes while node1 is dead, its resync
 * waits until node1 is started again, then rebuilds it. node1 runs without {@code wal_log_hints} and without data
 * checksums, so {@code pg_rewind} refuses it and the resync falls back to {@code pg_basebackup}; node1 ends as a
 * streaming, synchronous standby of node2 holding node2's data.
 */
@QuarkusTest
@QuarkusTestResource(value = ResyncClusterResource.class, restrictToAnnotatedClass = true)
class ResyncAfterFailoverEndToEndTest {

    static final Duration WAIT = Duration.ofSeconds(120);

    @Inject
    SnapshotBus bus;

    @Test
    void theFailoversResyncWaitsForTheOldPrimaryThenCopiesItAfreshWhenItCannotBeRewound() {
        DebianPgServer node1 = ResyncClusterResource.primary;
        DebianPgServer node2 = ResyncClusterResource.standby;
        await().atMost(WAIT).until(() -> streams("node2", "node1"));
        await().atMost(WAIT).until(() -> given().get("/q/health/group/temporal").statusCode() == 200);
        // pg_rewind needs data checksums or wal_log_hints on the target: node1 has neither from its next start
        assertThat(node1.queryString("SHOW data_checksums")).isEqualTo("off");
        node1.execute("ALTER SYSTEM SET wal_log_hints = off");
        node1.execute("INSERT INTO items (payload) VALUES ('before the failover')");
        await().atMost(WAIT).until(() -> "1".equals(node2.queryString("SELECT count(*) FROM items")));

        node1.kill();
        await().atMost(WAIT)
                .until(() -> bus.latest()
                        .map(PublishedSnapshot::snapshot)
                        .map(s -> s.nodes().get("node1").status() == NodeStatus.DOWN)
                        .orElse(false));
        // the CLI sends resync_old_primary through the SDK
        CliRun request = CliRun.inProcess(
                "replication",
                "failover",
                "node1",
                "--reason",
                "node1 lost",
                "--resync-old-primary",
                "--token",
                TOKEN,
                "--server",
                "http://localhost:" + RestAssured.port);
        assertThat(request.exit()).as(request.out() + request.err()).isZero();
        JsonPath failover = awaitEnded("/failovers/" + Failover.workflowId("node1"));
        assertThat(failover.getString("progress.phase"))
                .as(failover.getString("progress.error"))
                .isEqualTo("COMPLETED");
        assertThat(failover.getList("progress.steps.type"))
                .endsWith(FailoverStep.TRAFFIC_REPOINTED, FailoverStep.RESYNC_STARTED);
        // node1 is still dead: its resync waits for it
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath waiting = given().get("/resyncs/node1")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(waiting.getBoolean("running")).isTrue();
            assertThat(waiting.getString("progress.phase")).isEqualTo("AWAITING_NODE");
        });
        await().atMost(WAIT).until(() -> resyncOnBoard(OperationState.RUNNING, "awaiting_node"));

        node1.start();
        JsonPath done = awaitEnded("/resyncs/" + Resync.workflowId("node1"));
        assertThat(done.getString("progress.phase"))
                .as(done.getString("progress.error"))
                .isEqualTo("COMPLETED");
        assertThat(done.getString("progress.new_primary")).isEqualTo("node2");
        assertThat(done.getString("progress.steps[0].message"))
                .contains("copied afresh with pg_basebackup", "pg_rewind failed");
        // the failover set node2's synchronous standbys to node1 (the policy) already: the resync finds it named
        assertThat(done.getString("progress.steps.find { it.type == 'sync_configured' }.message"))
                .contains("names node1");

        assertThat(node1.queryString("SELECT pg_is_in_recovery()::text")).isEqualTo("true");
        assertThat(node1.queryString("SELECT sender_port FROM pg_stat_wal_receiver WHERE status = 'streaming'"))
                .isEqualTo(String.valueOf(node2.port()));
        // a synchronous commit on node2 returns only once node1 confirmed it
        node2.execute("INSERT INTO items (payload) VALUES ('after the resync')");
        await().atMost(WAIT)
                .until(() ->
                        "1".equals(node1.queryString("SELECT count(*) FROM items WHERE payload = 'after the resync'")));
        assertThat(node1.queryString("SELECT string_agg(payload, ',' ORDER BY id) FROM items"))
                .isEqualTo(node2.queryString("SELECT string_agg(payload, ',' ORDER BY id) FROM items"))
                .isEqualTo("before the failover,after the resync");
        await().atMost(WAIT).until(() -> resyncOnBoard(OperationState.COMPLETED, FailoverStep.SYNC_CONFIGURED));
    }

    /** The latest snapshot's operations show node1's resync in {@code state} at {@code step}. */
    private boolean resyncOnBoard(OperationState state, String step) {
        return bus.latest()
                .map(PublishedSnapshot::snapshot)
                .map(s -> s.operations().stream()
                        .anyMatch(o -> o.kind().equals(Operation.RESYNC)
                                && o.id().equals(Resync.workflowId("node1"))
                                && o.state() == state
                                && o.step().equals(step)))
                .orElse(false);
    }

    /** The snapshot shows {@code standby} readable and streaming from {@code primary}. */
    private boolean streams(String standby, String primary) {
        return bus.latest()
                .map(PublishedSnapshot::snapshot)
                .map(s -> FailoverRules.view(s, primary, System.currentTimeMillis()).standbys().stream()
                        .anyMatch(v -> v.node().equals(standby) && v.readable() && v.inRecovery() && v.wasStreaming()))
                .orElse(false);
    }

    private static JsonPath awaitEnded(String path) {
        await().atMost(WAIT)
                .until(() -> !given().get(path)
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getBoolean("running"));
        return given().get(path).then().statusCode(200).extract().jsonPath();
    }
}
