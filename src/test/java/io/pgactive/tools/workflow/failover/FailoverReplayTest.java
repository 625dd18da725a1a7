package io.pgactive.tools.workflow.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.failover.FailoverRequest;
import io.pgactive.tools.contract.failover.ResyncProgress;
import io.pgactive.tools.contract.snapshot.NodeStatus;
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
 * A failover running while the service is redeployed must replay with the new code: this replays recorded histories
 * of completed failovers (decide, fence, promote, wait writable, re-point, each step recorded), one from before the
 * synchronous standbys step and one with it. A change that breaks them needs {@code Workflow.getVersion} instead of
 * a new recording.
 *
 * <p>To record the current version: run {@link #main} with the target file as argument (a new file beside the old
 * ones; the old ones stay as they were).
 */
class FailoverReplayTest {

    static final String HISTORY = "histories/failover.json";
    /** Recorded after the promoted node's synchronous_standby_names began to be set ({@code sync-standbys-after}). */
    static final String HISTORY_SYNC = "histories/failover-sync-standbys.json";
    /** Recorded with resync_old_primary: the failover starts the old primary's resync as its last step. */
    static final String HISTORY_RESYNC = "histories/failover-resync-old-primary.json";
    /** That resync: waits for the node, rebuilds it, then makes it a synchronous standby by policy. */
    static final String HISTORY_RESYNC_CHILD = "histories/resync-after-failover.json";
    /** A planned switchover recorded before its held part became one activity: hold, fence, ... release, step by step. */
    static final String HISTORY_SWITCHOVER_STEPWISE = "histories/switchover-step-by-step.json";
    /** A planned switchover whose held part ran as one activity ({@code switchover-one-activity}). */
    static final String HISTORY_SWITCHOVER = "histories/switchover-one-activity.json";

    @Test
    void todaysCodeReplaysARecordedFailover() throws Exception {
        replay(HISTORY);
    }

    @Test
    void todaysCodeReplaysAFailoverThatSetTheSynchronousStandbys() throws Exception {
        replay(HISTORY_SYNC);
    }

    @Test
    void todaysCodeReplaysAFailoverThatStartedTheOldPrimarysResync() throws Exception {
        replay(HISTORY_RESYNC);
        assertThat(read(HISTORY_RESYNC))
                .contains(
                        "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED",
                        "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED");
    }

    @Test
    void todaysCodeReplaysAResyncThatWaitedForItsNodeAndRestoredTheSynchronousStandby() throws Exception {
        replay(HISTORY_RESYNC_CHILD);
        assertThat(read(HISTORY_RESYNC_CHILD))
                .contains("FailoverAwaitAnswers", "FailoverIncludeSynchronousStandby", "EVENT_TYPE_MARKER_RECORDED");
    }

    @Test
    void todaysCodeReplaysASwitchoverThatRanItsHeldPartStepByStep() throws Exception {
        replay(HISTORY_SWITCHOVER_STEPWISE);
        assertThat(read(HISTORY_SWITCHOVER_STEPWISE))
                .contains("FailoverHold", "FailoverFence", "FailoverAwaitCaughtUp", "FailoverRelease")
                .doesNotContain("FailoverSwitchover");
    }

    @Test
    void todaysCodeReplaysASwitchoverWhoseHeldPartRanAsOneActivity() throws Exception {
        replay(HISTORY_SWITCHOVER);
        assertThat(read(HISTORY_SWITCHOVER))
                .contains("FailoverSwitchover", "EVENT_TYPE_MARKER_RECORDED", "FailoverRecord")
                .doesNotContain("FailoverHold", "FailoverFence", "FailoverPromote");
    }

    private static void replay(String history) throws Exception {
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            Worker worker = env.newWorker(
                    "failover-replay",
                    WorkerOptions.newBuilder()
                            .setDefaultDeadlockDetectionTimeout(
                                    Duration.ofSeconds(30).toMillis())
                            .build());
            worker.registerWorkflowImplementationTypes(FailoverWorkflow.class, ResyncWorkflow.class);
            WorkflowReplayer.replayWorkflowExecutionFromResource(history, worker);
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
        assertThat(read(HISTORY_SYNC)).contains("FailoverConfigureSynchronousStandbys", "EVENT_TYPE_MARKER_RECORDED");
        assertThat(json).doesNotContain("FailoverConfigureSynchronousStandbys");
    }

    private static String read(String resource) throws IOException {
        return new String(
                FailoverReplayTest.class
                        .getClassLoader()
                        .getResourceAsStream(resource)
                        .readAllBytes(),
                StandardCharsets.UTF_8);
    }

    /**
     * Records a failover into {@code args[0]}; with a second argument, one that resyncs its old primary, and that
     * resync into {@code args[1]}. With {@code --switchover} first, a planned switchover into {@code args[1]}.
     */
    public static void main(String[] args) throws IOException {
        boolean switchover = args[0].equals("--switchover");
        Path target = Path.of(args[switchover ? 1 : 0]);
        boolean resync = !switchover && args.length > 1;
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            FailoverDouble db = new FailoverDouble();
            if (switchover) {
                db.primary = new PrimaryView("p", NodeStatus.HEALTHY, true, 0, FailoverDouble.BASE);
                db.primaryAnswers = true;
            }
            Worker worker = env.newWorker("failover-replay");
            worker.registerWorkflowImplementationTypes(FailoverWorkflow.class, ResyncWorkflow.class);
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
            ResyncInput resyncInput = resync
                    ? new ResyncInput(Resync.workflowId("p"), "p", null, "after " + id, 60_000, 60_000, 600_000, "p")
                    : null;
            stub.run(new FailoverInput(
                    id,
                    new FailoverRequest("p", switchover, null, "recorded", resync),
                    FailoverPolicy.DEFAULT,
                    resyncInput));
            write(target, env.getWorkflowClient().fetchHistory(id));
            if (resync) {
                WorkflowStub.fromTyped(env.getWorkflowClient().newWorkflowStub(Resync.class, Resync.workflowId("p")))
                        .getResult(ResyncProgress.class);
                write(Path.of(args[1]), env.getWorkflowClient().fetchHistory(Resync.workflowId("p")));
            }
        }
    }

    private static void write(Path target, WorkflowExecutionHistory history) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.writeString(target, history.toJson(true));
    }
}
