package io.pgactive.tools.workflow.failover.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgactive.tools.workflow.failover.local.JdbcNodeControl;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.pgactive.tools.workflow.upgrade.aws.FakeRds;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsClient;

/** {@link RdsPromoteReadReplica} with the real SDK client against a local endpoint speaking RDS's Query protocol. */
class RdsPromoteReadReplicaTest {

    private FakeRds fake;
    private RdsClient client;
    private RdsPromoteReadReplica control;

    @BeforeEach
    void start() throws Exception {
        fake = new FakeRds();
        client = fake.client();
        fake.add("orders-db");
        fake.add("orders-replica-1").replicaSourceId = "orders-db";
        control = new RdsPromoteReadReplica(
                new JdbcNodeControl(Map.of(), Duration.ofSeconds(1)),
                client,
                Map.of("replica1", "orders-replica-1"),
                Duration.ofMillis(5),
                Duration.ofMillis(20));
    }

    @AfterEach
    void stop() {
        client.close();
        fake.close();
    }

    @Test
    void promotesTheReplicaThroughTheApiAndWaitsUntilItIsAStandaloneInstance() {
        assertThat(control.promote("replica1", 30_000)).isTrue();

        var promote = fake.requests("PromoteReadReplica");
        assertThat(promote).hasSize(1);
        assertThat(promote.get(0).params()).containsEntry("DBInstanceIdentifier", "orders-replica-1");
        assertThat(promote.get(0).authorization()).startsWith("AWS4-HMAC-SHA256 Credential=" + FakeRds.ACCESS_KEY);
        assertThat(fake.instance("orders-replica-1").status).isEqualTo("available");
        assertThat(fake.instance("orders-replica-1").replicaSourceId).isNull();
    }

    @Test
    void aSecondPromoteFindsItDoneAndAsksNothing() {
        control.promote("replica1", 30_000);

        assertThat(control.promote("replica1", 30_000)).isFalse();
        assertThat(fake.requests("PromoteReadReplica")).hasSize(1);
    }

    @Test
    void aPromotionAlreadyUnderWayIsWaitedForNotRequestedAgain() {
        FakeRds.Instance replica = fake.instance("orders-replica-1");
        replica.status = "modifying"; // an earlier attempt's promotion, still running
        replica.nextStatus = "available";
        replica.describesLeft = 2;

        assertThat(control.promote("replica1", 30_000)).isTrue();
        assertThat(fake.requests("PromoteReadReplica")).isEmpty();
        assertThat(fake.instance("orders-replica-1").replicaSourceId).isNull();
    }

    @Test
    void throttlingIsRetried() {
        fake.failNext("PromoteReadReplica", "Throttling");

        assertThat(control.promote("replica1", 30_000)).isTrue();
        assertThat(fake.requests("PromoteReadReplica")).hasSize(2);
    }

    @Test
    void anUnknownInstanceIsAFailureThatNamesTheNodeAndIsNotRetried() {
        assertThatThrownBy(() -> control.promote("replica9", 5_000))
                .isInstanceOfSatisfying(
                        UpgradeException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("replica9")
                .hasMessageContaining("DBInstanceNotFound");
    }

    @Test
    void aPromotionThatOutlastsTheTimeoutFailsRetryable() {
        fake.instance("orders-replica-1").status = "modifying"; // RDS busy with something else; never finishes here

        assertThatThrownBy(() -> control.promote("replica1", 50))
                .isInstanceOfSatisfying(
                        UpgradeException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("still 'modifying'");
    }
}
