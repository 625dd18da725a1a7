package io.pgactive.tools.workflow.failover;

import static io.pgactive.tools.workflow.failover.ResyncClusterResource.TOKEN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.cli.CliRun;
import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.contract.snapshot.NodeStatus;
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
 * After a failover, the old primary (killed, started again and written to directly, so its history diverged) is
 * rebuilt by {@code replication resync}: it streams from the new primary, the write only it had is gone and the new
 * primary's writes reach it.
 */
@QuarkusTest
@QuarkusTestResource(value = ResyncClusterResource.class, restrictToAnnotatedClass = true)
class ResyncEndToEndTest {

    static final Duration WAIT = Duration.ofSeconds(120);

    @Inject
    SnapshotBus bus;

    @Test
    void oldPrimaryIsRewoundIntoAStreamingStandbyOfTheNewPrimary() {
        DebianPgServer node1 = ResyncClusterResource.primary;
        DebianPgServer node2 = ResyncClusterResource.standby;
        String server = "http://localhost:" + RestAssured.port;
        await().atMost(WAIT).until(() -> streams("node2", "node1"));
        await().atMost(WAIT).until(() -> given().get("/q/health/group/temporal").statusCode() == 200);
        node1.execute("INSERT INTO items (payload) VALUES ('before the failover')");

        // no failover of node1 yet: the service cannot know which primary it should follow
        CliRun early = CliRun.inProcess("replication", "resync", "node1", "--token", TOKEN, "--server", server);
        assertThat(early.exit()).as(early.out() + early.err()).isNotZero();
        assertThat(early.out() + early.err()).contains("no completed failover of node1");

        node1.kill();
        await().atMost(WAIT)
                .until(() -> bus.latest()
                        .map(PublishedSnapshot::snapshot)
                        .map(s -> s.nodes().get("node1").status() == NodeStatus.DOWN)
                        .orElse(false));
        CliRun promote = CliRun.inProcess(
                "replication", "promote", "node2", "--reason", "node1 lost", "--token", TOKEN, "--server", server);
        assertThat(promote.exit()).as(promote.out() + promote.err()).isZero();
        JsonPath failover = awaitEnded("/failovers/" + Failover.workflowId("node1"));
        assertThat(failover.getString("progress.phase"))
                .as(failover.getString("progress.error"))
                .isEqualTo("COMPLETED");
        assertThat(failover.getString("progress.decision.standby")).isEqualTo("node2");
        assertThat(failover.getString("progress.steps.find { it.type == 'sync_configured' }.message"))
                .contains("-> '\"node1\"'");
        // node1 is away, so commits on node2 would wait for it: the operator lets them through until it is back
        CliRun none = CliRun.inProcess(
                "replication", "sync-standbys", "node2", "--none", "--token", TOKEN, "--server", server);
        assertThat(none.exit()).as(none.out() + none.err()).isZero();
        node2.execute("INSERT INTO items (payload) VALUES ('on the new primary')");

        // the old primary comes back as a primary and takes a write the new one never sees
        node1.start();
        node1.execute("INSERT INTO items (payload) VALUES ('diverged on the old primary')");

        CliRun resync = CliRun.inProcess(
                "replication", "resync", "node1", "--reason", "rebuild", "--token", TOKEN, "--server", server);
        assertThat(resync.exit()).as(resync.out() + resync.err()).isZero();
        JsonPath done = awaitEnded("/resyncs/" + Resync.workflowId("node1"));
        assertThat(done.getString("progress.phase"))
                .as(done.getString("progress.error"))
                .isEqualTo("COMPLETED");
        assertThat(done.getList("progress.steps.type"))
                .containsExactly(FailoverStep.RESYNCED, FailoverStep.SYNC_CONFIGURED);
        assertThat(done.getString("progress.steps[0].message")).contains("pg_rewind");
        // the policy names node1: streaming again, it is node2's synchronous standby again
        assertThat(done.getString("progress.steps[1].message")).contains("'' -> '\"node1\"'");
        assertThat(done.getString("progress.error")).isNull();
        assertThat(node2.queryString("SHOW synchronous_standby_names")).isEqualTo("\"node1\"");

        assertThat(node1.queryString("SELECT pg_is_in_recovery()::text")).isEqualTo("true");
        assertThat(node1.queryString("SELECT sender_port FROM pg_stat_wal_receiver WHERE status = 'streaming'"))
                .isEqualTo(String.valueOf(node2.port()));
        node2.execute("INSERT INTO items (payload) VALUES ('after the resync')");
        await().atMost(WAIT)
                .until(() ->
                        "1".equals(node1.queryString("SELECT count(*) FROM items WHERE payload = 'after the resync'")));
        assertThat(node1.queryString("SELECT string_agg(payload, ',' ORDER BY id) FROM items"))
                .isEqualTo("before the failover,on the new primary,after the resync");
        await().atMost(WAIT).until(() -> streams("node1", "node2"));
        assertThat(node2.queryString("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'node1'"))
                .isEqualTo("sync");
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath events = given().get("/events?node=node1&type=" + FailoverStep.RESYNCED)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(events.getList("items.to")).containsExactly("node2");
        });
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
