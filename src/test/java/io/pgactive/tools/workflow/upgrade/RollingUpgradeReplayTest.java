package io.pgactive.tools.workflow.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.upgrade.UpgradeHold;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.contract.upgrade.UpgradeProgress;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Running upgrades survive a deployment only if the new code makes the same decisions when it replays their history.
 * This replays a history recorded from an earlier build: lag escalation and resume, a failed health check that put
 * traffic back and a resume, cutover, then a rollback after cutover. A change that breaks it needs
 * {@code Workflow.getVersion} instead of a new recording.
 *
 * <p>To record a history for a new path: run {@link #main} with the target file as argument.
 */
class RollingUpgradeReplayTest {

    static final String HISTORY = "histories/rolling-upgrade.json";

    @Test
    void todaysCodeReplaysARecordedUpgradeHistory() throws Exception {
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            // the first replayed task loads every class the upgrade uses: on a loaded machine with a coverage agent
            // that
            // takes longer than the default one second the deadlock detector allows, which is no determinism problem
            Worker worker = env.newWorker(
                    "upgrade-replay",
                    WorkerOptions.newBuilder()
                            .setDefaultDeadlockDetectionTimeout(
                                    Duration.ofSeconds(30).toMillis())
                            .build());
            worker.registerWorkflowImplementationTypes(
                    RollingUpgradeWorkflow.class, InitReplicationGroupWorkflow.class);
            WorkflowReplayer.replayWorkflowExecutionFromResource(HISTORY, worker);
        }
    }

    @Test
    void theRecordedHistoryCoversEscalationHealthRollbackAndCutoverRollback() throws IOException {
        String json = new String(
                RollingUpgradeReplayTest.class
                        .getClassLoader()
                        .getResourceAsStream(HISTORY)
                        .readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(json)
                .contains(
                        "ProvisionTargetDB",
                        "WaitForSync",
                        "TrafficShiftPhase",
                        "RunHealthChecks",
                        "Cutover",
                        "RollbackTraffic",
                        "RemoveTarget",
                        "InitReplicationGroup",
                        "\"resume\"",
                        "\"rollback\"");
    }

    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            UpgradeDouble ports = new UpgradeDouble();
            Worker worker = env.newWorker("upgrade-replay");
            worker.registerWorkflowImplementationTypes(
                    RollingUpgradeWorkflow.class, InitReplicationGroupWorkflow.class);
            worker.registerActivitiesImplementations(ports.activities());
            env.start();
            String id = RollingUpgrade.workflowId("node1");
            UpgradePolicy policy = new UpgradePolicy(
                    1024 * 1024,
                    15 * 60_000L,
                    10_000L,
                    24 * 3_600_000L,
                    120_000L,
                    60_000L,
                    60_000L,
                    30_000L,
                    0L,
                    2_000);
            WorkflowClient.start(
                    env.getWorkflowClient()
                            .newWorkflowStub(
                                    RollingUpgrade.class,
                                    WorkflowOptions.newBuilder()
                                            .setWorkflowId(id)
                                            .setTaskQueue("upgrade-replay")
                                            .build())::run,
                    new UpgradeInput(
                            id,
                            new UpgradeRequest("node1", 18, List.of(25, 25, 50), List.of("public.*"), null, Map.of()),
                            policy,
                            null));
            RollingUpgrade upgrade = env.getWorkflowClient().newWorkflowStub(RollingUpgrade.class, id);
            ports.lagBytes = 64L * 1024 * 1024;
            ports.unhealthyFrom = 50;
            env.sleep(Duration.ofMinutes(17));
            await(() -> upgrade.progress().hold() == UpgradeHold.ESCALATED);
            ports.lagBytes = 1024;
            upgrade.resume("batch job stopped");
            env.sleep(Duration.ofMinutes(5));
            await(() -> upgrade.progress().hold() == UpgradeHold.HEALTH_CHECK_FAILED);
            ports.unhealthyFrom = 101;
            upgrade.resume("probe fixed");
            env.sleep(Duration.ofMinutes(5));
            await(() -> upgrade.progress().phase() == UpgradePhase.AWAITING_APPROVAL);
            upgrade.rollback("errors on the new version");
            WorkflowStub.fromTyped(upgrade).getResult(UpgradeProgress.class);
            WorkflowExecutionHistory history = env.getWorkflowClient().fetchHistory(id);
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.writeString(target, history.toJson(true));
        }
    }

    private static void await(Callable<Boolean> condition) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(condition);
    }
}
