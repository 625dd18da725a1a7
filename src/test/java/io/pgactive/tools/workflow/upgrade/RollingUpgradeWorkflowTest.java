package io.pgactive.tools.workflow.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgactive.tools.contract.upgrade.UpgradeDecision;
import io.pgactive.tools.contract.upgrade.UpgradeHold;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.contract.upgrade.UpgradeProgress;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.workflow.WorkflowExecutions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateHandle;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The upgrade workflow against Temporal's test server with time skipping, over in-memory ports. */
class RollingUpgradeWorkflowTest {

    static final String QUEUE = "upgrade-test";
    static final String ID = RollingUpgrade.workflowId("node1");
    static final long THRESHOLD = 1024 * 1024;
    static final UpgradePolicy POLICY = new UpgradePolicy(
            THRESHOLD, 15 * 60_000L, 10_000L, 24 * 3_600_000L, 120_000L, 30_000L, 60_000L, 30_000L, 0L, 2_000);
    static final UpgradeRequest REQUEST =
            new UpgradeRequest("node1", 18, List.of(25, 25, 50), List.of("public.*"), null, Map.of("team", "db"));

    TestWorkflowEnvironment env;
    UpgradeDouble ports;
    WorkflowClient client;
    RollingUpgrade upgrade;

    @BeforeEach
    void start() {
        env = TestWorkflowEnvironment.newInstance();
        ports = new UpgradeDouble();
        // generous deadlock detection: a first workflow task that loads classes on a loaded machine is slow, not stuck
        Worker worker = env.newWorker(
                QUEUE,
                WorkerOptions.newBuilder()
                        .setDefaultDeadlockDetectionTimeout(
                                Duration.ofSeconds(30).toMillis())
                        .build());
        worker.registerWorkflowImplementationTypes(RollingUpgradeWorkflow.class, InitReplicationGroupWorkflow.class);
        worker.registerActivitiesImplementations(ports.activities());
        env.start();
        client = env.getWorkflowClient();
    }

    @AfterEach
    void close() {
        ports.releaseAll();
        env.close();
    }

    /** Soaks of a millisecond: the phases follow each other without timers the test would have to skip. */
    static final UpgradePolicy FAST = new UpgradePolicy(
            THRESHOLD, 15 * 60_000L, 10_000L, 24 * 3_600_000L, 120_000L, 10_000L, 1L, 30_000L, 0L, 2_000);

    private WorkflowExecution startUpgrade(UpgradePolicy policy) {
        WorkflowExecution run = WorkflowClient.start(stub()::run, new UpgradeInput(ID, REQUEST, policy, null));
        // by id only, so queries, updates and the result follow the upgrade across continue-as-new
        upgrade = client.newWorkflowStub(RollingUpgrade.class, ID);
        return run;
    }

    private RollingUpgrade stub() {
        return client.newWorkflowStub(
                RollingUpgrade.class,
                WorkflowOptions.newBuilder()
                        .setWorkflowId(ID)
                        .setTaskQueue(QUEUE)
                        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                        .build());
    }

    private UpgradeProgress result() {
        return WorkflowStub.fromTyped(upgrade).getResult(UpgradeProgress.class);
    }

    /** Time stands still between the test's own sleeps, but an activity may still be finishing: wait for the step. */
    private static void eventually(ThrowingRunnable assertion) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(assertion);
    }

    private void awaitPhase(UpgradePhase phase) {
        eventually(() -> assertThat(upgrade.progress().phase()).isEqualTo(phase));
    }

    private void awaitHold(UpgradeHold hold) {
        eventually(() -> assertThat(upgrade.progress().hold()).isEqualTo(hold));
    }

    /**
     * Sends an operator's input while the sync loop's WaitForSync attempt is held running, and lets the attempt finish
     * only once the workflow has asked to cancel it. The input interrupts the loop, which cancels the attempt in
     * flight; if that attempt completes while the workflow task runs, Temporal's test server refuses the cancellation
     * (ACTIVITY_UNKNOWN) and never offers the workflow another task, a race the real server resolves by ignoring the
     * cancellation.
     */
    private <T> T duringSyncWatch(Supplier<T> input) {
        ports.entered.remove("waitForSync");
        ports.block("waitForSync");
        try {
            // the loop may be in its pause between two attempts: move the test clock on until the next one starts
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!ports.entered.contains("waitForSync")) {
                assertThat(System.nanoTime())
                        .as("a WaitForSync attempt started")
                        .isLessThan(deadline);
                env.sleep(Duration.ofSeconds(1));
            }
            String run =
                    client.newUntypedWorkflowStub(ID).describe().getExecution().getRunId();
            long cancelled = cancelRequests(run);
            T answer = input.get();
            eventually(() -> assertThat(cancelRequests(run)).isGreaterThan(cancelled));
            return answer;
        } finally {
            ports.release("waitForSync");
        }
    }

    private long cancelRequests(String run) {
        return client.fetchHistory(ID, run).getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED)
                .count();
    }

    private void duringSyncWatch(Runnable input) {
        duringSyncWatch(() -> {
            input.run();
            return null;
        });
    }

    @Test
    void runsEveryPhaseInOrderShiftsInStepsAndDecommissionsOnlyAfterApproval() {
        startUpgrade(POLICY);
        env.sleep(Duration.ofMinutes(10));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL);
        env.sleep(Duration.ofHours(2));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL); // no delay configured: waits for the operator
        assertThat(ports.decommissioned).isFalse();
        assertThat(ports.reverse).isTrue(); // the path back stays open until the source is detached

        UpgradeProgress approved = upgrade.approve("soak looked fine");
        assertThat(approved.state().approved()).isTrue();
        UpgradeProgress end = result();

        assertThat(end.phase()).isEqualTo(UpgradePhase.COMPLETED);
        assertThat(end.percent()).isEqualTo(100);
        assertThat(end.targetPercent()).isEqualTo(100);
        assertThat(ports.splits).containsExactly(25, 50, 100);
        assertThat(ports.count("provisionTarget")).isEqualTo(1);
        assertThat(ports.detached).isTrue();
        assertThat(ports.decommissioned).isTrue();
        assertThat(ports.removed).isFalse();
        assertThat(ports.phases())
                .containsSubsequence(
                        UpgradePhase.VALIDATING,
                        UpgradePhase.PROVISIONING,
                        UpgradePhase.CONFIGURING,
                        UpgradePhase.INSTALLING,
                        UpgradePhase.INITIALIZING_REPLICATION,
                        UpgradePhase.WAITING_FOR_SYNC,
                        UpgradePhase.SHIFTING_TRAFFIC,
                        UpgradePhase.CUTTING_OVER,
                        UpgradePhase.AWAITING_APPROVAL,
                        UpgradePhase.DETACHING_OLD,
                        UpgradePhase.DECOMMISSIONING,
                        UpgradePhase.COMPLETED);
        assertThat(ports.sequencesSynced).isTrue();
        assertThat(ports.actions())
                .containsSubsequence(
                        "started",
                        "shift",
                        "health_check_passed",
                        "shift",
                        "health_check_passed",
                        "cutover",
                        "approved",
                        "completed");
        UpgradeDecision leftSync = ports.decisions.stream()
                .filter(d -> d.from() == UpgradePhase.WAITING_FOR_SYNC && d.to() == UpgradePhase.SHIFTING_TRAFFIC)
                .findFirst()
                .orElseThrow();
        assertThat(leftSync.fromMillis()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void everyTransitionGrowsTheHistoryTheServiceKeysItsCachedProgressOn() {
        startUpgrade(POLICY);
        assertThat(WorkflowExecutions.describe(client, "rolling-upgrade-nobody"))
                .isNull();
        env.sleep(Duration.ofMinutes(10));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL);
        WorkflowExecutions.Execution waiting = WorkflowExecutions.describe(client, ID);
        UpgradeProgress before = upgrade.progress();
        assertThat(waiting.status()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
        assertThat(waiting.historyLength()).isPositive();

        upgrade.approve("soak looked fine");
        WorkflowExecutions.Execution approved = WorkflowExecutions.describe(client, ID);
        assertThat(approved.runId()).isEqualTo(waiting.runId());
        assertThat(approved.historyLength()).isGreaterThan(waiting.historyLength());
        assertThat(upgrade.progress().state().approved()).isTrue();
        assertThat(before.state().approved()).isFalse();
    }

    @Test
    void decommissionsByItselfAfterTheConfiguredDelay() {
        UpgradePolicy delayed = new UpgradePolicy(
                THRESHOLD,
                15 * 60_000L,
                10_000L,
                24 * 3_600_000L,
                120_000L,
                10_000L,
                60_000L,
                30_000L,
                3_600_000L,
                2_000);
        startUpgrade(delayed);
        env.sleep(Duration.ofMinutes(10));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL);
        assertThat(ports.decommissioned).isFalse();
        assertThat(result().phase()).isEqualTo(UpgradePhase.COMPLETED);
        assertThat(ports.decommissioned).isTrue();
        assertThat(ports.actions()).doesNotContain("approved");
    }

    @Test
    void aSecondStartAttachesToTheRunningUpgrade() {
        WorkflowExecution first = startUpgrade(POLICY);
        WorkflowExecution second = WorkflowClient.start(stub()::run, new UpgradeInput(ID, REQUEST, POLICY, null));
        assertThat(second.getRunId()).isEqualTo(first.getRunId());
        env.sleep(Duration.ofMinutes(10));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL);
        assertThat(ports.count("provisionTarget")).isEqualTo(1);
        assertThat(ports.count("validateInput")).isEqualTo(1);
    }

    @Test
    void provisioningThatKeepsFailingStopsCleanlyAndRemovesWhatWasCreated() {
        ports.provisionFailures = 10;
        startUpgrade(POLICY);
        UpgradeProgress end = result();
        assertThat(end.phase()).isEqualTo(UpgradePhase.FAILED);
        assertThat(end.state().error()).contains("provisioning failed", "no capacity");
        assertThat(ports.count("provisionTarget")).isEqualTo(3); // the activity's retries
        assertThat(ports.count("removeTarget")).isEqualTo(1);
        assertThat(ports.removed).isTrue();
        assertThat(ports.count("configureParams")).isZero();
        assertThat(ports.splits).isEmpty();
        assertThat(ports.actions()).containsSubsequence("provisioning_failed", "failed");
    }

    @Test
    void provisioningThatFailsOnceIsRetriedAndProvisionsOnlyOnce() {
        ports.provisionFailures = 1;
        startUpgrade(POLICY);
        env.sleep(Duration.ofMinutes(10));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL);
        assertThat(ports.count("provisionTarget")).isEqualTo(2);
        assertThat(ports.target).isNotNull();
        assertThat(ports.count("removeTarget")).isZero();
    }

    @Test
    void lagAboveTheThresholdForFifteenMinutesEscalatesAndHoldsShiftingUntilResumed() {
        ports.lagBytes = 50 * THRESHOLD;
        startUpgrade(POLICY);
        env.sleep(Duration.ofMinutes(14));
        awaitPhase(UpgradePhase.WAITING_FOR_SYNC);
        assertThat(upgrade.progress().hold()).isEqualTo(UpgradeHold.NONE);
        env.sleep(Duration.ofMinutes(2));
        awaitHold(UpgradeHold.ESCALATED);
        assertThat(upgrade.progress().holdReason()).contains("above", "15 min");
        assertThat(upgrade.progress().lagBytes()).isEqualTo(50 * THRESHOLD);
        assertThat(ports.actions()).contains("escalate");

        ports.lagBytes = 10; // lag recovers: still held until the operator says so
        env.sleep(Duration.ofMinutes(5));
        awaitHold(UpgradeHold.ESCALATED);
        assertThat(upgrade.progress().phase()).isEqualTo(UpgradePhase.WAITING_FOR_SYNC);
        assertThat(ports.splits).isEmpty();

        UpgradeProgress resumed = duringSyncWatch(() -> upgrade.resume("lag explained: nightly batch"));
        assertThat(resumed.hold()).isEqualTo(UpgradeHold.NONE);
        env.sleep(Duration.ofMinutes(10));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL);
        assertThat(ports.splits).containsExactly(25, 50, 100);
        assertThat(ports.actions()).containsSubsequence("escalate", "resume", "shift");
    }

    @Test
    void aWaitForSyncThatFailsIsTriedAgainByTheSyncLoopAndTheUpgradeGoesOn() {
        ports.syncFailures = 3;
        startUpgrade(POLICY);
        env.sleep(Duration.ofMinutes(10));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL);
        assertThat(ports.syncFailures).isZero();
        assertThat(ports.count("waitForSync")).isGreaterThanOrEqualTo(4);
        assertThat(ports.splits).containsExactly(25, 50, 100);
        assertThat(ports.actions()).doesNotContain("escalate", "halt");
    }

    @Test
    void lagThatRecoversWithinFifteenMinutesDoesNotEscalate() {
        ports.lagBytes = 50 * THRESHOLD;
        startUpgrade(POLICY);
        env.sleep(Duration.ofMinutes(12));
        ports.lagBytes = 10;
        env.sleep(Duration.ofMinutes(10));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL);
        assertThat(ports.actions()).doesNotContain("escalate");
    }

    @Test
    void aFailedHealthCheckPutsTrafficBackOnTheLastGoodSplitAndWaits() {
        ports.unhealthyFrom = 50;
        startUpgrade(POLICY);
        env.sleep(Duration.ofMinutes(10));
        awaitHold(UpgradeHold.HEALTH_CHECK_FAILED);
        assertThat(ports.targetPercent).isEqualTo(25);
        assertThat(ports.splits).containsExactly(25, 50, 25);
        UpgradeProgress p = upgrade.progress();
        assertThat(p.phase()).isEqualTo(UpgradePhase.SHIFTING_TRAFFIC);
        assertThat(p.targetPercent()).isEqualTo(25);
        assertThat(p.lastHealthCheck().healthy()).isFalse();
        assertThat(p.holdReason()).contains("probe failed on the target", "back to 25%");
        env.sleep(Duration.ofHours(1));
        awaitHold(UpgradeHold.HEALTH_CHECK_FAILED); // held for the operator, not retried by itself

        ports.unhealthyFrom = 101;
        upgrade.resume("probe fixed");
        env.sleep(Duration.ofMinutes(10));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL);
        assertThat(ports.splits).containsExactly(25, 50, 25, 50, 100);
    }

    @Test
    void applyErrorsHaltTheUpgradeUntilTheOperatorResumes() {
        ports.applyErrors = 2;
        startUpgrade(POLICY);
        env.sleep(Duration.ofMinutes(5));
        awaitHold(UpgradeHold.HALTED);
        assertThat(upgrade.progress().holdReason()).contains("2 new apply error(s)");
        env.sleep(Duration.ofMinutes(20));
        awaitHold(UpgradeHold.HALTED);
        assertThat(ports.splits).isEmpty();
        assertThat(ports.actions()).contains("halt").doesNotContain("escalate");

        duringSyncWatch(() -> upgrade.resume("conflicting rows repaired by hand")); // accepts the errors seen so far
        env.sleep(Duration.ofMinutes(10));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL);

        ports.applyErrors = 3; // new errors after cutover do not matter to a done cutover
        assertThat(upgrade.progress().state().applyErrorsSeen()).isEqualTo(2);
    }

    @Test
    void settingsThatNeedARestartHaltUntilResumed() {
        ports.pendingRestart = List.of("node1: wal_level");
        startUpgrade(POLICY);
        awaitHold(UpgradeHold.HALTED);
        assertThat(upgrade.progress().phase()).isEqualTo(UpgradePhase.CONFIGURING);
        assertThat(upgrade.progress().holdReason()).contains("wal_level");
        ports.pendingRestart = List.of();
        upgrade.resume("restarted node1");
        env.sleep(Duration.ofMinutes(10));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL);
        assertThat(ports.count("configureParams")).isEqualTo(2);
    }

    /** The activity that runs while the upgrade is in each phase, blocked so the rollback arrives mid-phase. */
    private static String activityOf(UpgradePhase phase) {
        return switch (phase) {
            case PROVISIONING -> "provisionTarget";
            case CONFIGURING -> "configureParams";
            case INSTALLING -> "installExtension";
            case INITIALIZING_REPLICATION -> "awaitInitialCopy";
            case WAITING_FOR_SYNC -> "waitForSync";
            case SHIFTING_TRAFFIC -> "runHealthChecks";
            case CUTTING_OVER -> "cutover";
            default -> null;
        };
    }

    @ParameterizedTest
    @EnumSource(
            value = UpgradePhase.class,
            names = {
                "PROVISIONING",
                "CONFIGURING",
                "INSTALLING",
                "INITIALIZING_REPLICATION",
                "WAITING_FOR_SYNC",
                "SHIFTING_TRAFFIC",
                "CUTTING_OVER",
                "AWAITING_APPROVAL"
            })
    void aRollbackInAnyPhaseBeforeDetachPutsAllTrafficOnTheSourceAndRemovesTheTarget(UpgradePhase phase)
            throws Exception {
        String activity = activityOf(phase);
        if (activity != null) {
            ports.block(activity);
        }
        startUpgrade(FAST);
        if (activity != null) {
            eventually(() -> assertThat(ports.entered).contains(activity));
        }
        awaitPhase(phase);
        WorkflowUpdateHandle<UpgradeProgress> handle = WorkflowStub.fromTyped(upgrade)
                .startUpdate(
                        UpdateOptions.newBuilder(UpgradeProgress.class)
                                .setUpdateName("rollback")
                                .setWaitForStage(WorkflowUpdateStage.ACCEPTED)
                                .build(),
                        "canary errors");
        if (activity != null) {
            ports.release(activity);
        }
        UpgradeProgress answered = handle.getResultAsync().get(30, TimeUnit.SECONDS);
        // the update answers once traffic is on the source
        assertThat(answered.targetPercent()).isZero();
        UpgradeProgress end = result();
        assertThat(end.phase()).isEqualTo(UpgradePhase.ROLLED_BACK);
        assertThat(end.state().rollbackReason()).isEqualTo("canary errors");
        assertThat(ports.targetPercent).isZero();
        assertThat(ports.attached).isFalse();
        assertThat(ports.removed).isTrue();
        assertThat(ports.decommissioned).isFalse();
        assertThat(ports.count("provisionTarget")).isLessThanOrEqualTo(1);
        assertThat(ports.actions()).containsSubsequence("rollback", "rolled_back");
        if (phase.ordinal() >= UpgradePhase.SHIFTING_TRAFFIC.ordinal()) {
            assertThat(ports.count("rollbackTraffic")).isEqualTo(1);
            assertThat(ports.actions()).contains("traffic_on_source");
        }
    }

    @Test
    void aRollbackAfterCutoverMovesTrafficBackThroughTheOpenPathBack() {
        startUpgrade(POLICY);
        env.sleep(Duration.ofMinutes(10));
        awaitPhase(UpgradePhase.AWAITING_APPROVAL);
        assertThat(ports.targetPercent).isEqualTo(100);
        assertThat(ports.reverse).isTrue();
        UpgradeProgress answered = upgrade.rollback("application errors on 18");
        assertThat(answered.targetPercent()).isZero();
        assertThat(result().phase()).isEqualTo(UpgradePhase.ROLLED_BACK);
        assertThat(ports.splits).containsExactly(25, 50, 100, 0);
        assertThat(ports.detached).isFalse(); // the source was never detached: it holds every write
    }

    @Test
    void theRollbackSignalRollsBackToo() {
        ports.lagBytes = 50 * THRESHOLD;
        startUpgrade(POLICY);
        env.sleep(Duration.ofMinutes(2));
        awaitPhase(UpgradePhase.WAITING_FOR_SYNC);
        duringSyncWatch(() -> upgrade.rollbackSignal("paged: abort"));
        assertThat(result().phase()).isEqualTo(UpgradePhase.ROLLED_BACK);
        assertThat(ports.removed).isTrue();
    }

    @Test
    void requestsThatDoNotFitThePhaseAreRefusedWithoutTouchingTheHistory() {
        ports.lagBytes = 50 * THRESHOLD;
        startUpgrade(POLICY);
        env.sleep(Duration.ofMinutes(2));
        awaitPhase(UpgradePhase.WAITING_FOR_SYNC);
        assertThatThrownBy(() -> upgrade.resume("go"))
                .isInstanceOf(WorkflowUpdateException.class)
                .rootCause()
                .hasMessageContaining("not held");
        assertThatThrownBy(() -> upgrade.rollback(" "))
                .isInstanceOf(WorkflowUpdateException.class)
                .rootCause()
                .hasMessageContaining("reason is required");
        duringSyncWatch(() -> upgrade.approve("pre-approved by change board"));
        assertThatThrownBy(() -> upgrade.approve("again"))
                .isInstanceOf(WorkflowUpdateException.class)
                .rootCause()
                .hasMessageContaining("already approved");
        assertThat(upgrade.progress().phase()).isEqualTo(UpgradePhase.WAITING_FOR_SYNC);
    }

    @Test
    void aPreApprovedUpgradeRunsToTheEndWithoutWaiting() {
        // approve while the upgrade waits for sync: an update sent while the workflow races through its phases can
        // stall the time-skipping test server (time stays locked while the test waits on the update's result)
        ports.lagBytes = 50 * THRESHOLD;
        startUpgrade(POLICY);
        env.sleep(Duration.ofMinutes(2));
        awaitPhase(UpgradePhase.WAITING_FOR_SYNC);
        duringSyncWatch(() -> upgrade.approve("change approved in advance"));
        ports.lagBytes = 0;
        assertThat(result().phase()).isEqualTo(UpgradePhase.COMPLETED);
        assertThat(ports.decommissioned).isTrue();
    }

    @Test
    void aLongWaitContinuesAsNewAndCarriesItsState() {
        UpgradePolicy shortHistory = new UpgradePolicy(
                THRESHOLD, 15 * 60_000L, 10_000L, 24 * 3_600_000L, 120_000L, 10_000L, 60_000L, 30_000L, 0L, 80);
        ports.lagBytes = 50 * THRESHOLD;
        WorkflowExecution first = startUpgrade(shortHistory);
        env.sleep(Duration.ofMinutes(20));
        awaitHold(UpgradeHold.ESCALATED);
        var history = client.fetchHistory(ID, first.getRunId());
        assertThat(history.getLastEvent().getEventType())
                .isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
        UpgradeProgress p = upgrade.progress();
        assertThat(p.phase()).isEqualTo(UpgradePhase.WAITING_FOR_SYNC);
        assertThat(p.state().source()).isEqualTo(UpgradeDouble.SOURCE);
        assertThat(p.state().decisions()).isGreaterThanOrEqualTo(7); // started + six phase changes + the escalation
        ports.lagBytes = 10;
        duringSyncWatch(() -> upgrade.resume("ok"));
        duringSyncWatch(() -> upgrade.approve("ok"));
        assertThat(result().phase()).isEqualTo(UpgradePhase.COMPLETED);
        assertThat(ports.count("provisionTarget")).isEqualTo(1);
        assertThat(ports.splits).containsExactly(25, 50, 100);
    }

    @Test
    void anInvalidRequestFailsValidationAndCreatesNothing() {
        WorkflowClient.start(
                stub()::run,
                new UpgradeInput(
                        ID, new UpgradeRequest("node1", 18, List.of(60, 60), List.of(), null, null), POLICY, null));
        upgrade = client.newWorkflowStub(RollingUpgrade.class, ID);
        UpgradeProgress end = result();
        assertThat(end.phase()).isEqualTo(UpgradePhase.FAILED);
        assertThat(end.state().error()).contains("shifts: the steps add up to 120%");
        assertThat(ports.count("provisionTarget")).isZero();
        assertThat(ports.count("removeTarget")).isZero();
    }
}
