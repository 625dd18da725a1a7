package io.pgactive.tools.workflow.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.guard.Band;
import io.pgactive.tools.contract.guard.GuardPolicy;
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
import org.junit.jupiter.api.Test;

/**
 * Running guards survive a deployment only if the new code makes the same decisions when it replays their history.
 * This replays a history recorded from an earlier build (start, pause on lag, operator hold and release, resume,
 * stop); a change that breaks it needs {@code Workflow.getVersion} instead of a new recording.
 *
 * <p>To record a history for a new path: run {@link #main} with the target file as argument.
 */
class ReplicationGuardReplayTest {

    static final String HISTORY = "histories/replication-guard.json";

    @Test
    void todaysCodeReplaysARecordedGuardHistory() throws Exception {
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            // the first replayed task loads the workflow's classes: on a loaded machine under a coverage agent that can
            // take longer than the deadlock detector's default second, which says nothing about determinism
            Worker worker = env.newWorker(
                    "guard-replay-check",
                    WorkerOptions.newBuilder()
                            .setDefaultDeadlockDetectionTimeout(
                                    Duration.ofSeconds(30).toMillis())
                            .build());
            worker.registerWorkflowImplementationTypes(ReplicationGuardWorkflow.class);
            WorkflowReplayer.replayWorkflowExecutionFromResource(HISTORY, worker);
        }
    }

    @Test
    void theRecordedHistoryCoversPauseOverrideAndResume() throws IOException {
        String json = new String(
                ReplicationGuardReplayTest.class
                        .getClassLoader()
                        .getResourceAsStream(HISTORY)
                        .readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(json).contains("PauseWrites", "ResumeWrites", "override", "\"lag\"", "\"stop\"");
    }

    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            GateDouble gate = new GateDouble();
            Worker worker = env.newWorker("guard-replay");
            worker.registerWorkflowImplementationTypes(ReplicationGuardWorkflow.class);
            worker.registerActivitiesImplementations(gate.activities());
            env.start();
            GuardPolicy policy =
                    new GuardPolicy(30, 5, 10_000, 600_000, GuardPolicy.RECONCILE_MILLIS, GuardPolicy.HISTORY_LIMIT);
            ReplicationGuard guard = env.getWorkflowClient()
                    .newWorkflowStub(
                            ReplicationGuard.class,
                            WorkflowOptions.newBuilder()
                                    .setWorkflowId(ReplicationGuard.workflowId("orders"))
                                    .setTaskQueue("guard-replay")
                                    .build());
            WorkflowClient.start(guard::guard, new GuardInput("orders", "node1", policy, null));
            guard.lag(new LagReading(1, env.currentTimeMillis(), 42.0, Band.ABOVE, "HEALTHY"));
            env.sleep(Duration.ofSeconds(11));
            guard.override(new GuardOverride(GuardOverride.Action.PAUSE, "hold during the schema change"));
            guard.lag(new LagReading(2, env.currentTimeMillis(), 0.4, Band.BELOW, "HEALTHY"));
            env.sleep(Duration.ofMinutes(1));
            guard.override(new GuardOverride(GuardOverride.Action.RELEASE, "schema change done"));
            env.sleep(Duration.ofSeconds(11));
            guard.stop("recording done");
            WorkflowStub.fromTyped(guard).getResult(Void.class);
            WorkflowExecutionHistory history =
                    env.getWorkflowClient().fetchHistory(ReplicationGuard.workflowId("orders"));
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.writeString(target, history.toJson(true));
        }
    }
}
