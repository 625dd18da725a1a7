package io.pgactive.tools.workflow.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.WorkflowOptions;
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
 * A failover running while the service is redeployed must replay with the new code: this replays a recorded history
 * of a completed failover (decide, fence, promote, wait writable, re-point, each step recorded). A change that breaks
 * it needs {@code Workflow.getVersion} instead of a new recording.
 *
 * <p>To record it again: run {@link #main} with the target file as argument.
 */
class FailoverReplayTest {

    static final String HISTORY = "histories/failover.json";

    @Test
    void todaysCodeReplaysARecordedFailover() throws Exception {
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            Worker worker = env.newWorker(
                    "failover-replay",
                    WorkerOptions.newBuilder()
                            .setDefaultDeadlockDetectionTimeout(
                                    Duration.ofSeconds(30).toMillis())
                            .build());
            worker.registerWorkflowImplementationTypes(FailoverWorkflow.class);
            WorkflowReplayer.replayWorkflowExecutionFromResource(HISTORY, worker);
        }
    }

    @Test
    void theRecordedHistoryCoversEveryStepOfAFailover() throws IOException {
        String json = new String(
                FailoverReplayTest.class
                        .getClassLoader()
                        .getResourceAsStream(HISTORY)
                        .readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(json)
                .contains(
                        "FailoverObserve",
                        "FailoverProbe",
                        "FailoverFence",
                        "FailoverPromote",
                        "FailoverAwaitWritable",
                        "FailoverRepoint",
                        "FailoverRecord");
    }

    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            FailoverDouble db = new FailoverDouble();
            Worker worker = env.newWorker("failover-replay");
            worker.registerWorkflowImplementationTypes(FailoverWorkflow.class);
            worker.registerActivitiesImplementations(db.activities());
            env.start();
            String id = Failover.workflowId("p");
            Failover stub = env.getWorkflowClient()
                    .newWorkflowStub(
                            Failover.class,
                            WorkflowOptions.newBuilder()
                                    .setWorkflowId(id)
                                    .setTaskQueue("failover-replay")
                                    .build());
            stub.run(new FailoverInput(id, new FailoverRequest("p", false, null, "recorded"), FailoverPolicy.DEFAULT));
            WorkflowExecutionHistory history = env.getWorkflowClient().fetchHistory(id);
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.writeString(target, history.toJson(true));
        }
    }
}
