package io.pgactive.tools.workflow.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.guard.Band;
import io.pgactive.tools.contract.guard.GuardDecision;
import io.pgactive.tools.contract.guard.GuardMode;
import io.pgactive.tools.contract.guard.GuardPolicy;
import io.pgactive.tools.contract.guard.GuardState;
import io.pgactive.tools.contract.guard.GuardStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The guard workflow against Temporal's test server with time skipping, over an in-memory gate. */
class ReplicationGuardWorkflowTest {

    static final String QUEUE = "guard-test";
    static final long HOLD = 10_000;
    static final long MAX_PAUSE = 600_000;
    static final GuardPolicy POLICY =
            new GuardPolicy(30, 5, HOLD, MAX_PAUSE, GuardPolicy.RECONCILE_MILLIS, GuardPolicy.HISTORY_LIMIT);

    TestWorkflowEnvironment env;
    GateDouble gate;
    WorkflowClient client;
    ReplicationGuard guard;
    long version;

    @BeforeEach
    void start() {
        env = TestWorkflowEnvironment.newInstance();
        gate = new GateDouble();
        Worker worker = env.newWorker(QUEUE);
        worker.registerWorkflowImplementationTypes(ReplicationGuardWorkflow.class);
        worker.registerActivitiesImplementations(gate.activities());
        env.start();
        client = env.getWorkflowClient();
    }

    @AfterEach
    void close() {
        env.close();
    }

    private void startGuard(GuardPolicy policy) {
        guard = client.newWorkflowStub(
                ReplicationGuard.class,
                WorkflowOptions.newBuilder()
                        .setWorkflowId(ReplicationGuard.workflowId("orders"))
                        .setTaskQueue(QUEUE)
                        .build());
        WorkflowClient.start(guard::guard, new GuardInput("orders", "node1", policy, null));
        // overrides are refused until the guard has read its gate: its first decision says it has
        eventually(() -> assertThat(state().decisions()).isPositive());
    }

    private void lag(Double seconds) {
        version++;
        guard.lag(new LagReading(version, env.currentTimeMillis(), seconds, POLICY.band(seconds), "HEALTHY"));
    }

    /**
     * Time stands still between the test's own sleeps, but an activity the workflow started may still be finishing:
     * wait for the workflow to have taken the step, not for the clock.
     */
    private static void eventually(ThrowingRunnable assertion) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(assertion);
    }

    private GuardState state() {
        return guard.status().state();
    }

    @Test
    void pausesOnlyAfterLagStaysAboveForTheHoldTimeAndResumesOnlyBelowTheLowerThreshold() {
        startGuard(POLICY);
        lag(40.0);
        env.sleep(Duration.ofMillis(HOLD / 2));
        lag(3.0); // a spike shorter than the hold time
        env.sleep(Duration.ofMillis(HOLD * 3));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.OPEN));
        assertThat(gate.pauses).hasValue(0);

        lag(45.0);
        env.sleep(Duration.ofMillis(HOLD - 1_000));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.OPEN));
        env.sleep(Duration.ofMillis(2_000));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.PAUSED));
        assertThat(gate.state).isEqualTo(GateState.PAUSED);

        lag(12.0); // between the thresholds: no change, however long
        env.sleep(Duration.ofMinutes(2));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.PAUSED));

        lag(2.0);
        env.sleep(Duration.ofMillis(HOLD - 1_000));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.PAUSED));
        env.sleep(Duration.ofMillis(2_000));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.OPEN));
        assertThat(gate.pauses).hasValue(1);
        assertThat(gate.resumes).hasValue(1);
        assertThat(gate.actions()).containsSubsequence("started", "pause", "resume");
        GuardDecision pause = gate.decisions.stream()
                .filter(d -> d.action().equals("pause"))
                .findFirst()
                .orElseThrow();
        assertThat(pause.lagSeconds()).isEqualTo(45.0);
        assertThat(pause.reason()).contains("above 30.0s");
    }

    @Test
    void unknownLagNeitherPausesNorResumes() {
        startGuard(POLICY);
        lag(null);
        env.sleep(Duration.ofMinutes(1));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.OPEN));
        lag(50.0);
        env.sleep(Duration.ofMillis(HOLD + 1_000));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.PAUSED));
        lag(null); // node down: do not resume blind
        env.sleep(Duration.ofMinutes(2));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.PAUSED));
        eventually(() -> assertThat(state().band()).isEqualTo(Band.UNKNOWN));
    }

    @Test
    void escalatesInsteadOfPausingForeverAndStopsPausingUntilLagRecovers() {
        startGuard(POLICY);
        lag(60.0);
        env.sleep(Duration.ofMillis(HOLD + 1_000));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.PAUSED));
        env.sleep(Duration.ofMillis(MAX_PAUSE));
        GuardState s = state();
        assertThat(s.gate()).isEqualTo(GateState.OPEN);
        assertThat(s.mode()).isEqualTo(GuardMode.ESCALATED);
        assertThat(gate.actions()).contains("escalate");

        lag(70.0); // still lagging: an escalated guard does not pause again
        env.sleep(Duration.ofMinutes(5));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.OPEN));
        assertThat(gate.pauses).hasValue(1);

        lag(1.0);
        env.sleep(Duration.ofMillis(HOLD + 1_000));
        eventually(() -> assertThat(state().mode()).isEqualTo(GuardMode.AUTO));
        lag(40.0);
        env.sleep(Duration.ofMillis(HOLD + 1_000));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.PAUSED));
        assertThat(gate.pauses).hasValue(2);
    }

    @Test
    void operatorOverridesWinOverTheRulesUntilReleased() {
        startGuard(POLICY);
        lag(1.0);
        assertThatThrownBy(() -> guard.override(new GuardOverride(GuardOverride.Action.PAUSE, " ")))
                .isInstanceOf(WorkflowUpdateException.class)
                .rootCause()
                .hasMessageContaining("reason is required");
        assertThatThrownBy(() -> guard.override(new GuardOverride(GuardOverride.Action.RELEASE, "why not")))
                .isInstanceOf(WorkflowUpdateException.class)
                .rootCause()
                .hasMessageContaining("nothing to release");

        GuardStatus held = guard.override(new GuardOverride(GuardOverride.Action.PAUSE, "schema change on orders"));
        assertThat(held.state().gate()).isEqualTo(GateState.PAUSED);
        assertThat(held.state().mode()).isEqualTo(GuardMode.HELD_PAUSED);
        env.sleep(Duration.ofMinutes(30)); // lag is low and max_pause has passed: an operator's pause holds
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.PAUSED));

        GuardStatus released = guard.override(new GuardOverride(GuardOverride.Action.RELEASE, "done"));
        assertThat(released.state().mode()).isEqualTo(GuardMode.AUTO);
        lag(0.5);
        env.sleep(Duration.ofMillis(HOLD + 1_000));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.OPEN));

        guard.override(new GuardOverride(GuardOverride.Action.RESUME, "accept the lag during the backfill"));
        lag(90.0);
        env.sleep(Duration.ofMinutes(5));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.OPEN));
        eventually(() -> assertThat(state().mode()).isEqualTo(GuardMode.HELD_OPEN));
        assertThat(gate.decisions.stream()
                        .filter(d -> d.action().equals("override"))
                        .map(GuardDecision::reason))
                .anyMatch(r -> r.contains("schema change on orders"));
    }

    @Test
    void stoppingResumesWritesTheGuardPaused() {
        startGuard(POLICY);
        lag(40.0);
        env.sleep(Duration.ofMillis(HOLD + 1_000));
        eventually(() -> assertThat(gate.state).isEqualTo(GateState.PAUSED));
        guard.stop("maintenance over");
        WorkflowStub.fromTyped(guard).getResult(Void.class);
        assertThat(gate.state).isEqualTo(GateState.OPEN);
        assertThat(gate.actions()).endsWith("resume", "stopped");
    }

    @Test
    void aRetriedPauseNeverPausesTwiceAndAFailedOneIsRecordedAndRetried() {
        startGuard(POLICY);
        gate.failure = new IllegalStateException("pgbouncer admin console: connection refused");
        lag(40.0);
        env.sleep(Duration.ofMillis(HOLD + 1_000));
        env.sleep(Duration.ofMinutes(1));
        eventually(() -> assertThat(state().lastError()).contains("connection refused"));
        assertThat(gate.actions()).contains("failed");
        gate.failure = null;
        env.sleep(Duration.ofMinutes(1));
        eventually(() -> assertThat(state().gate()).isEqualTo(GateState.PAUSED));
        eventually(() -> assertThat(state().lastError()).isNull());
        assertThat(gate.pauses).hasValue(1);
    }

    @Test
    void continuesAsNewWithItsStateWhenTheHistoryGrows() {
        startGuard(new GuardPolicy(30, 5, HOLD, MAX_PAUSE, GuardPolicy.RECONCILE_MILLIS, 60));
        String firstRun = WorkflowStub.fromTyped(guard).getExecution().getRunId();
        lag(40.0);
        env.sleep(Duration.ofMillis(HOLD + 1_000));
        for (int i = 0; i < 40; i++) {
            lag(35.0 + i % 3);
            env.sleep(Duration.ofSeconds(1));
        }
        ReplicationGuard current =
                client.newWorkflowStub(ReplicationGuard.class, ReplicationGuard.workflowId("orders"));
        String currentRun = client.newUntypedWorkflowStub(ReplicationGuard.workflowId("orders"))
                .describe()
                .getExecution()
                .getRunId();
        GuardState s = current.status().state();
        assertThat(currentRun).isNotEqualTo(firstRun);
        assertThat(s.gate()).isEqualTo(GateState.PAUSED);
        assertThat(s.pausedSinceMillis()).isPositive();
        assertThat(s.decisions()).isGreaterThanOrEqualTo(2);
        assertThat(gate.pauses).hasValue(1); // the new run carried the pause instead of pausing again
    }
}
