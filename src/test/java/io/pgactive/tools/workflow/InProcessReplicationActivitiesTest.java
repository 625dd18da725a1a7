package io.pgactive.tools.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.contract.temporal.LagCondition;
import io.pgactive.tools.contract.temporal.LagSummary;
import io.pgactive.tools.contract.temporal.ReplicationActivities;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.testing.Snapshots;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The in-process replication activities over a real snapshot bus, in Temporal's activity test environment. */
class InProcessReplicationActivitiesTest {

    TestActivityEnvironment env;
    SnapshotBus bus;
    ReplicationActivities activities;
    Snapshots snapshots;
    final List<ReplicationActivities.AwaitProgress> heartbeats = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        env = TestActivityEnvironment.newInstance();
        InProcessReplicationActivities impl = new InProcessReplicationActivities();
        bus = new SnapshotBus();
        impl.bus = bus;
        env.registerActivitiesImplementations(impl);
        env.setActivityHeartbeatListener(ReplicationActivities.AwaitProgress.class, heartbeats::add);
        activities = env.newActivityStub(
                ReplicationActivities.class,
                ActivityOptions.newBuilder()
                        .setStartToCloseTimeout(Duration.ofMinutes(1))
                        .setHeartbeatTimeout(Duration.ofSeconds(15))
                        .setRetryOptions(
                                RetryOptions.newBuilder().setMaximumAttempts(1).build())
                        .build());
        snapshots = new Snapshots(Instant.parse("2026-01-01T00:00:00Z"), 1, "node1", "node2");
    }

    @AfterEach
    void close() {
        env.close();
    }

    private void publish(double lag1, double lag2) {
        snapshots.node("node1").lag = lag1;
        snapshots.node("node2").lag = lag2;
        bus.publish(snapshots.next());
    }

    /** The activity has read {@code version}: it heartbeats after each snapshot it reads, the first time at once. */
    private void awaitHeartbeatFor(long version) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> heartbeats.stream()
                        .anyMatch(h -> h.last() != null && h.last().version() == version));
    }

    @Test
    void fetchFailsRetryablyBeforeTheFirstSnapshotThenSummarisesTheLatest() {
        assertThatThrownBy(() -> activities.fetchReplicationSnapshot())
                .isInstanceOf(ActivityFailure.class)
                .rootCause()
                .hasMessageContaining("no snapshot yet");
        publish(0.5, 7.5);
        LagSummary s = activities.fetchReplicationSnapshot();
        assertThat(s.version()).isEqualTo(1);
        assertThat(s.nodes())
                .extracting(LagSummary.NodeLag::node, LagSummary.NodeLag::lagSeconds)
                .containsExactly(Tuple.tuple("node1", 0.5), Tuple.tuple("node2", 7.5));
        assertThat(s.caughtUp(List.of("node1"), 1)).isTrue();
        assertThat(s.caughtUp(List.of(), 1)).isFalse();
        assertThat(s.caughtUp(List.of("node1", "gone"), 1)).isFalse();
    }

    @Test
    void waitsUntilTheConditionHoldsForTheHoldTimeAndHeartbeatsItsProgress() throws Exception {
        publish(9, 0.1);
        CompletableFuture<LagSummary> done =
                CompletableFuture.supplyAsync(() -> activities.awaitCaughtUp(new LagCondition(List.of(), 1.0, 4_000)));
        awaitHeartbeatFor(1);
        publish(0.5, 0.2); // t = 2 s: holding from here
        publish(3, 0.2); // t = 4 s: broken, starts over
        publish(0.4, 0.1); // t = 6 s: holding again
        publish(0.3, 0.1); // t = 8 s: 2 s held
        publish(0.2, 0.1); // t = 10 s: 4 s held
        // without the start-over at t = 4 s it would already have returned at t = 6 s (version 4)
        assertThat(done.get(10, TimeUnit.SECONDS).version()).isEqualTo(6);
        // the first heartbeat goes out at once (later ones are throttled by the SDK): not yet holding at version 1
        assertThat(heartbeats.get(0).holdingSinceMillis()).isZero();
    }

    @Test
    void aRetryResumesFromTheHeartbeatInsteadOfStartingTheHoldTimeOver() throws Exception {
        publish(0.2, 0.2); // t = 0
        long since = snapshots.now.toEpochMilli();
        publish(0.3, 0.3); // t = 2 s
        env.setHeartbeatDetails(new ReplicationActivities.AwaitProgress(since, null));
        CompletableFuture<LagSummary> resumed = CompletableFuture.supplyAsync(
                () -> activities.awaitCaughtUp(new LagCondition(List.of("node1", "node2"), 1.0, 4_000)));
        awaitHeartbeatFor(2);
        publish(0.1, 0.1); // t = 4 s: held 4 s counting the previous attempt
        assertThat(resumed.get(10, TimeUnit.SECONDS).version()).isEqualTo(3);
    }
}
