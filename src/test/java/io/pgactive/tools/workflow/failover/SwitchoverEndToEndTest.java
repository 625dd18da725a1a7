package io.pgactive.tools.workflow.failover;

import static io.pgactive.tools.workflow.failover.SwitchoverClusterResource.TABLE;
import static io.pgactive.tools.workflow.failover.SwitchoverClusterResource.TOKEN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.testing.AckedWriter;
import io.pgactive.tools.testing.AckedWriter.Ack;
import io.pgactive.tools.testing.PgNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A planned switchover of a healthy primary while a client writes through PgBouncer and HAProxy: the client is held,
 * not refused; every acknowledged write is on the new primary; the longest gap between acknowledged writes is printed
 * (a figure, not asserted: timing belongs to bench/failover.sh).
 */
@QuarkusTest
@QuarkusTestResource(value = SwitchoverClusterResource.class, restrictToAnnotatedClass = true)
class SwitchoverEndToEndTest {

    static final Duration WAIT = Duration.ofSeconds(90);
    private static final String ROWS = "SELECT count(*), md5(string_agg(id || ':' || payload, ',' ORDER BY id))"
            + " FROM " + TABLE + " WHERE id = ANY (?)";

    @Inject
    SnapshotBus bus;

    @Test
    void aPlannedSwitchoverHoldsClientsAndLosesNoAcknowledgedWrite() throws Exception {
        PgNode node1 = SwitchoverClusterResource.primary;
        PgNode node2 = SwitchoverClusterResource.standby;
        await().atMost(WAIT)
                .until(() -> bus.latest()
                        .map(PublishedSnapshot::snapshot)
                        .map(s -> FailoverRules.view(s, "node1", System.currentTimeMillis()).standbys().stream()
                                .anyMatch(v -> v.node().equals("node2") && v.readable() && v.wasStreaming()))
                        .orElse(false));
        await().atMost(WAIT).until(() -> given().get("/q/health/group/temporal").statusCode() == 200);

        List<Ack> acks;
        long failedWrites;
        String repointed;
        try (AckedWriter writer = new AckedWriter(
                SwitchoverClusterResource.bouncer.jdbcUrl(),
                SwitchoverClusterResource.bouncer.jdbcProperties(),
                TABLE)) {
            await().atMost(WAIT).until(() -> writer.acked() >= 50);
            JsonPath started = given().header("Authorization", "Bearer " + TOKEN)
                    .contentType(ContentType.JSON)
                    .body(Map.of("primary", "node1", "force", true, "reason", "planned maintenance"))
                    .post("/failovers")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            String id = started.getString("id");
            await().atMost(WAIT)
                    .until(() -> !given().get("/failovers/" + id)
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath()
                            .getBoolean("running"));
            JsonPath done = given().get("/failovers/" + id)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(done.getString("progress.phase"))
                    .as(done.getString("progress.error"))
                    .isEqualTo("COMPLETED");
            assertThat(done.getBoolean("progress.decision.planned")).isTrue();
            assertThat(done.getString("progress.steps.find { it.type == 'fenced' }.message"))
                    .contains("clients held at");
            repointed = done.getString("progress.steps.find { it.type == 'traffic_repointed' }.message");
            assertThat(repointed).contains("clients released");
            System.out.printf(
                    "switchover steps: fenced (clients held) +%d ms, promoted +%d ms, synchronous standbys +%d ms,"
                            + " re-pointed and released +%d ms%n",
                    FailoverEndToEndTest.step(done, FailoverStep.FENCED) - done.getLong("progress.started_at_millis"),
                    FailoverEndToEndTest.step(done, FailoverStep.PROMOTED)
                            - FailoverEndToEndTest.step(done, FailoverStep.FENCED),
                    FailoverEndToEndTest.step(done, FailoverStep.SYNC_CONFIGURED)
                            - FailoverEndToEndTest.step(done, FailoverStep.PROMOTED),
                    FailoverEndToEndTest.step(done, FailoverStep.TRAFFIC_REPOINTED)
                            - FailoverEndToEndTest.step(done, FailoverStep.SYNC_CONFIGURED));
            await().atMost(WAIT).until(() -> writer.ackedOn(node2.port()) >= 20);
            acks = writer.acks();
            failedWrites = writer.failed();
        }
        List<Ack> onOld =
                acks.stream().filter(a -> a.serverPort() == node1.port()).toList();
        assertThat(onOld).isNotEmpty();
        try (Connection c = node2.connect();
                PreparedStatement st = c.prepareStatement(ROWS)) {
            Array ids = c.createArrayOf("bigint", onOld.stream().map(Ack::id).toArray(Long[]::new));
            st.setArray(1, ids);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1))
                        .as("acknowledged rows on the new primary")
                        .isEqualTo(onOld.size());
                assertThat(rs.getString(2)).as("checksum").isEqualTo(AckedWriter.checksum(onOld));
            }
        }
        assertThat(failedWrites)
                .as("writes the client saw fail while it was held")
                .isZero();
        Matcher held = Pattern.compile("after (\\d+) ms held").matcher(repointed);
        assertThat(held.find()).as(repointed).isTrue();
        System.out.printf(
                "switchover: clients held at PgBouncer %s ms (PAUSE sent to RESUME confirmed)%n", held.group(1));
        System.out.printf(
                "switchover: longest gap between acknowledged writes %.0f ms (%d writes, %d on the old primary)%n",
                AckedWriter.longestGapMillis(acks), acks.size(), onOld.size());
    }
}
