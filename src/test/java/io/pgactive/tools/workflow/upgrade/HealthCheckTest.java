package io.pgactive.tools.workflow.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.HealthReport;
import io.pgactive.tools.snapshot.HealthPolicy;
import io.pgactive.tools.testing.Snapshots;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthCheckTest {

    static final DatabaseRef SOURCE = UpgradeDouble.SOURCE;
    static final DatabaseRef TARGET = new DatabaseRef("node1-pg18", "127.0.0.1", 5433, "app", 18);
    static final UpgradePolicy P = RollingUpgradeWorkflowTest.POLICY;
    static final ReplicationState BOTH_WAYS = new ReplicationState(true, true, true, 100, 50, 0, "streaming");

    final Snapshots snapshots = new Snapshots(Instant.parse("2026-11-30T10:00:00Z"), 1, "node1", "node1-pg18");

    private Snapshot next() {
        return snapshots.next().snapshot();
    }

    @Test
    void bothNodesReadableAndReplicationBothWaysWithinTheThresholdIsHealthy() {
        HealthReport h = HealthCheck.check(1, next(), SOURCE, TARGET, BOTH_WAYS, P, List.of());
        assertThat(h.healthy()).isTrue();
        assertThat(h.problems()).isEmpty();
        assertThat(h.lagBytes()).isEqualTo(100);
        assertThat(h.version()).isEqualTo(1);
    }

    @Test
    void everyFailedCheckIsNamed() {
        snapshots.node("node1-pg18").status = NodeStatus.DOWN;
        snapshots.node("node1-pg18").failures = 12;
        snapshots.node("node1").conflictsMinute = 2;
        ReplicationState behind = new ReplicationState(true, true, false, 5L * 1024 * 1024, -1, 0, "x");
        HealthReport h = HealthCheck.check(
                1, next(), SOURCE, TARGET, behind, P, List.of("health probe failed on node1-pg18: boom"));
        assertThat(h.healthy()).isFalse();
        assertThat(h.problems())
                .anySatisfy(p -> assertThat(p).contains("target node1-pg18 is DOWN"))
                .anySatisfy(p -> assertThat(p).contains("2 conflict(s)"))
                .anySatisfy(p -> assertThat(p).contains("path back"))
                .anySatisfy(p -> assertThat(p).contains("5 MiB above 1 MiB"))
                .anySatisfy(p -> assertThat(p).contains("health probe failed"));
    }

    @Test
    void aTargetMissingFromTheSnapshotOrNoSnapshotAtAllIsUnhealthy() {
        Snapshots only = new Snapshots(Instant.parse("2026-11-30T10:00:00Z"), 1, "node1");
        assertThat(HealthCheck.check(1, only.next().snapshot(), SOURCE, TARGET, BOTH_WAYS, P, List.of())
                        .problems())
                .containsExactly("target node1-pg18 is not in the snapshot");
        assertThat(HealthCheck.check(1, null, SOURCE, TARGET, BOTH_WAYS, P, List.of())
                        .problems())
                .contains("no snapshot yet");
        assertThat(HealthCheck.check(1, next(), SOURCE, TARGET, null, P, List.of())
                        .healthy())
                .isFalse();
    }

    @Test
    void aMissedScrapeIsABlipButFailuresUpToTheDegradedThresholdFail() {
        // one cycle without an answer (a slow scrape, the monitor's own stall) must not put traffic back
        snapshots.node("node1").failures = HealthPolicy.DEGRADED_AFTER_FAILURES - 1;
        assertThat(HealthCheck.check(1, next(), SOURCE, TARGET, BOTH_WAYS, P, List.of())
                        .healthy())
                .isTrue();
        snapshots.node("node1").failures = HealthPolicy.DEGRADED_AFTER_FAILURES;
        assertThat(HealthCheck.check(1, next(), SOURCE, TARGET, BOTH_WAYS, P, List.of())
                        .problems())
                .anySatisfy(p -> assertThat(p).startsWith("source node1 is "));
    }

    @Test
    void aCriticalNodeFailsButADegradedOneDoesNot() {
        snapshots.node("node1").status = NodeStatus.DEGRADED;
        assertThat(HealthCheck.check(1, next(), SOURCE, TARGET, BOTH_WAYS, P, List.of())
                        .healthy())
                .isTrue();
        snapshots.node("node1").status = NodeStatus.CRITICAL;
        assertThat(HealthCheck.check(1, next(), SOURCE, TARGET, BOTH_WAYS, P, List.of())
                        .problems())
                .anySatisfy(p -> assertThat(p).contains("source node1 is CRITICAL"));
    }
}
