package io.pgactive.tools.workflow.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkiverse.temporal.TemporalActivity;
import io.quarkiverse.temporal.TemporalWorkflow;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInfo;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Outcome counting under Temporal's own retries: an attempt that had its effect and then failed (as when its
 * completion is lost) is retried by the server with the same activity id, and the retry must not count again, while a
 * second decision with the same content, a new scheduled activity, must.
 */
class ActivityOnceTest {

    private static final String QUEUE = "activity-once";

    @ActivityInterface
    public interface Outcomes {
        void count(String outcome);
    }

    @WorkflowInterface
    public interface Decides {
        @WorkflowMethod
        void run(List<String> outcomes);
    }

    // in no worker of the Temporal extension: @QuarkusTest applications index the test classes too, and the extension
    // would build a worker for it, and with it the Temporal client, at every start (TemporalDisabledTest)
    @TemporalWorkflow(workers = {})
    public static class DecidesImpl implements Decides {
        private final Outcomes outcomes = Workflow.newActivityStub(
                Outcomes.class,
                ActivityOptions.newBuilder()
                        .setStartToCloseTimeout(Duration.ofSeconds(10))
                        .setRetryOptions(RetryOptions.newBuilder()
                                .setInitialInterval(Duration.ofMillis(100))
                                .setMaximumAttempts(3)
                                .build())
                        .build());

        @Override
        public void run(List<String> list) {
            list.forEach(outcomes::count);
        }
    }

    /** Counts as the upgrade's recording does, and fails each first attempt after its effect, so the server retries. */
    // in no worker of the Temporal extension, as DecidesImpl
    @TemporalActivity(workers = {})
    static final class CountingOutcomes implements Outcomes {
        final ActivityOnce once = new ActivityOnce();
        final Map<String, Integer> counted = new ConcurrentHashMap<>();
        final List<Integer> attempts = new CopyOnWriteArrayList<>();

        @Override
        public void count(String outcome) {
            ActivityInfo info = Activity.getExecutionContext().getInfo();
            attempts.add(info.getAttempt());
            if (once.done(info)) {
                return;
            }
            counted.merge(outcome, 1, Integer::sum);
            once.markDone(info);
            if (info.getAttempt() == 1) {
                throw new IllegalStateException("completion lost after the effect");
            }
        }
    }

    private TestWorkflowEnvironment env;
    private final CountingOutcomes outcomes = new CountingOutcomes();

    @BeforeEach
    void start() {
        env = TestWorkflowEnvironment.newInstance();
        Worker worker = env.newWorker(QUEUE);
        worker.registerWorkflowImplementationTypes(DecidesImpl.class);
        worker.registerActivitiesImplementations(outcomes);
        env.start();
    }

    @AfterEach
    void stop() {
        env.close();
    }

    @Test
    void aRetriedRecordingCountsOnceAndASecondDecisionCountsAgain() {
        Decides wf = env.getWorkflowClient()
                .newWorkflowStub(
                        Decides.class,
                        WorkflowOptions.newBuilder()
                                .setTaskQueue(QUEUE)
                                .setWorkflowId("once-1")
                                .build());
        wf.run(List.of("started", "rolled_back", "started"));

        assertThat(outcomes.attempts)
                .as("each recording retried once by the server")
                .containsExactly(1, 2, 1, 2, 1, 2);
        assertThat(outcomes.counted).containsExactlyInAnyOrderEntriesOf(Map.of("started", 2, "rolled_back", 1));
    }

    @Test
    void theSameActivityIdInAnotherRunCountsAgain() {
        for (String id : List.of("once-a", "once-b")) {
            env.getWorkflowClient()
                    .newWorkflowStub(
                            Decides.class,
                            WorkflowOptions.newBuilder()
                                    .setTaskQueue(QUEUE)
                                    .setWorkflowId(id)
                                    .build())
                    .run(List.of("completed"));
        }
        assertThat(outcomes.counted).containsExactlyEntriesOf(Map.of("completed", 2));
    }
}
