package io.pgactive.tools.workflow.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.failover.FailoverPhase;
import io.pgactive.tools.contract.failover.FailoverProgress;
import io.pgactive.tools.contract.failover.FailoverRequest;
import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.contract.failover.ResyncPhase;
import io.pgactive.tools.contract.failover.ResyncProgress;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every branch of the failover workflow against Temporal's time-skipping test server, over in-memory activities. */
class FailoverWorkflowTest {

    static final String QUEUE = "failover-test";
    static final FailoverPolicy POLICY = new FailoverPolicy(5_000, 1_000, 30_000, 60_000, 30_000);

    TestWorkflowEnvironment env;
    FailoverDouble db;
    WorkflowClient client;

    @BeforeEach
    void start() {
        env = TestWorkflowEnvironment.newInstance();
        db = new FailoverDouble();
        Worker worker = env.newWorker(QUEUE);
        worker.registerWorkflowImplementationTypes(FailoverWorkflow.class, ResyncWorkflow.class);
        worker.registerActivitiesImplementations(db.activities());
        env.start();
        client = env.getWorkflowClient();
    }

    @AfterEach
    void close() {
        env.close();
    }

    private FailoverProgress run(FailoverRequest request) {
        return run(request, POLICY);
    }

    private FailoverProgress run(FailoverRequest request, FailoverPolicy policy) {
        String id = Failover.workflowId(request.primary());
        Failover stub = client.newWorkflowStub(
                Failover.class,
                WorkflowOptions.newBuilder()
                        .setWorkflowId(id)
                        .setTaskQueue(QUEUE)
                        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                        .build());
        return stub.run(new FailoverInput(id, request, policy));
    }

    @Test
    void aDeadPrimaryIsFencedThenTheSynchronousStandbyPromotedThenTrafficRepointed() {
        FailoverProgress p = run(new FailoverRequest("p", false, null, "node lost"));

        assertThat(p.phase()).isEqualTo(FailoverPhase.COMPLETED);
        assertThat(p.decision().standby()).isEqualTo("s");
        // the promoted node stops waiting for the old primary's synchronous standbys before traffic reaches it
        assertThat(db.calls)
                .containsExactly(
                        "observe p", "probe p", "fence p", "promote s", "writable s", "sync s ''", "repoint s");
        assertThat(db.recordedTypes())
                .containsExactly(
                        FailoverStep.STARTED,
                        FailoverStep.FENCED,
                        FailoverStep.PROMOTED,
                        FailoverStep.SYNC_CONFIGURED,
                        FailoverStep.TRAFFIC_REPOINTED);
        assertThat(db.syncStandbyNames).isEmpty();
        assertThat(db.recorded.get(3).message()).contains("'\"s\", \"a\"' -> ''");
        assertThat(p.error()).isNull();
        assertThat(db.recorded.get(0).message()).contains("requested: node lost");
        assertThat(db.routedTo).isEqualTo("s");
        assertThat(p.promoteMillis()).isGreaterThanOrEqualTo(0);
        assertThat(p.writableMillis()).isGreaterThanOrEqualTo(p.promoteMillis());
    }

    @Test
    void aHealthyPrimaryIsRefusedWithoutForceAndNothingIsTouched() {
        db.primary = new PrimaryView("p", NodeStatus.HEALTHY, true, 0, FailoverDouble.BASE);
        db.primaryAnswers = true;

        FailoverProgress p = run(new FailoverRequest("p", false, null, null));

        assertThat(p.phase()).isEqualTo(FailoverPhase.REFUSED);
        assertThat(p.error()).contains("answers a direct probe");
        assertThat(db.calls).containsExactly("observe p", "probe p");
        assertThat(db.recordedTypes()).containsExactly(FailoverStep.FAILED);
        assertThat(db.routedTo).isEqualTo("p");
    }

    @Test
    void tooMuchLagOnTheOnlyStandbyIsRefused() {
        db.standbys = List.of(new StandbyView(
                "a",
                NodeStatus.HEALTHY,
                true,
                true,
                "async",
                true,
                FailoverDouble.BASE - 50_000,
                FailoverDouble.BASE - 50_000));

        FailoverProgress p = run(new FailoverRequest("p", false, null, null));

        assertThat(p.phase()).isEqualTo(FailoverPhase.REFUSED);
        assertThat(p.error()).contains("more than the maximum");
        assertThat(db.promoted).isNull();
        assertThat(db.primaryFenced).isFalse();
    }

    @Test
    void noFitStandbyIsRefused() {
        db.standbys = List.of(new StandbyView("s", NodeStatus.DOWN, false, true, "sync", true, -1, -1));

        FailoverProgress p = run(new FailoverRequest("p", false, null, null));

        assertThat(p.phase()).isEqualTo(FailoverPhase.REFUSED);
        assertThat(p.error()).contains("no fit standby", "s: the service cannot read it");
        assertThat(db.calls).doesNotContain("fence p");
    }

    private FailoverProgress switchover() {
        db.primary = new PrimaryView("p", NodeStatus.HEALTHY, true, 0, FailoverDouble.BASE);
        db.primaryAnswers = true;
        return run(new FailoverRequest("p", true, null, "maintenance"));
    }

    @Test
    void aForcedSwitchoverWaitsForTheStandbyToCatchUpBeforePromoting() {
        FailoverProgress p = switchover();

        assertThat(p.phase()).as(p.error()).isEqualTo(FailoverPhase.COMPLETED);
        assertThat(p.decision().planned()).isTrue();
        // clients wait at the gate from before the fence until traffic points at the new primary, all in one
        // activity; the new primary stops waiting for the old one's synchronous standbys before traffic reaches it
        assertThat(db.calls)
                .containsExactly(
                        "observe p",
                        "probe p",
                        "switchover p to s",
                        "writable s",
                        "hold p",
                        "fence p",
                        "read-only p",
                        "lsn p",
                        "catch-up s",
                        "promote s",
                        "writable s",
                        "sync s ''",
                        "repoint s",
                        "release p");
        assertThat(db.held).isFalse();
        assertThat(db.routedTo).isEqualTo("s");
        assertThat(db.syncStandbyNames).isEmpty();
        assertThat(db.recordedTypes())
                .containsExactly(
                        FailoverStep.STARTED,
                        FailoverStep.FENCED,
                        FailoverStep.PROMOTED,
                        FailoverStep.SYNC_CONFIGURED,
                        FailoverStep.TRAFFIC_REPOINTED);
        assertThat(db.recordedWhenReleased)
                .as("steps recorded while the clients were held")
                .isEqualTo(1);
        assertThat(db.recorded.get(1).message()).contains("clients held at", "p out of the router", "read-only");
        assertThat(db.recorded.get(4).message())
                .contains("router sends new connections to s", "clients released", "ms held");
        assertThat(db.recorded.get(1).atMillis())
                .isLessThanOrEqualTo(db.recorded.get(2).atMillis())
                .isLessThanOrEqualTo(db.recorded.get(4).atMillis());
        assertThat(p.promoteMillis()).isGreaterThanOrEqualTo(0);
        assertThat(p.writableMillis()).isGreaterThanOrEqualTo(p.promoteMillis());
        assertThat(p.error()).isNull();
    }

    @Test
    void aSwitchoverWhoseStandbyCannotCatchUpUnfencesThePrimaryAndPromotesNothing() {
        db.catchUpFails = true;

        FailoverProgress p = switchover();

        assertThat(p.phase()).isEqualTo(FailoverPhase.FAILED);
        assertThat(p.error())
                .contains("did not catch up", "replayed up to 5/300", "unfenced, nothing changed", "clients released");
        assertThat(db.promoted).isNull();
        assertThat(db.routedTo).isEqualTo("p");
        assertThat(db.primaryFenced).isFalse();
        assertThat(db.held)
                .as("clients released after the switchover was abandoned")
                .isFalse();
        assertThat(db.calls)
                .containsSubsequence("hold p", "fence p", "read-write p", "unfence p", "release p")
                .doesNotContain("promote s");
        assertThat(db.recordedTypes()).containsExactly(FailoverStep.STARTED, FailoverStep.FENCED, FailoverStep.FAILED);
    }

    @Test
    void aSwitchoverWhosePromotionFailsLeavesThePrimaryFencedAndReleasesTheClients() {
        db.promoteFails = true;

        FailoverProgress p = switchover();

        assertThat(p.phase()).isEqualTo(FailoverPhase.FAILED);
        assertThat(p.error()).contains("promoting s failed", "pg_promote returned false", "p stays fenced");
        assertThat(db.primaryFenced).isTrue();
        assertThat(db.held).isFalse();
        assertThat(db.calls).doesNotContain("unfence p", "repoint s");
        assertThat(db.recordedTypes()).containsExactly(FailoverStep.STARTED, FailoverStep.FENCED, FailoverStep.FAILED);
    }

    @Test
    void aSwitchoverWhoseHoldDoesNotDrainChangesNothingAndLetsTheClientsGo() {
        db.holdDrains = false;

        FailoverProgress p = switchover();

        assertThat(p.phase()).isEqualTo(FailoverPhase.FAILED);
        assertThat(p.error()).contains("holding the clients of p failed", "PAUSING", "nothing changed");
        assertThat(db.held).isFalse();
        assertThat(db.primaryFenced).isFalse();
        assertThat(db.calls).doesNotContain("fence p", "promote s");
    }

    @Test
    void aSwitchoverWhoseRepointFailsAfterPromotionSaysWhichNodeIsThePrimaryAndReleases() {
        db.repointFails = true;

        FailoverProgress p = switchover();

        assertThat(p.phase()).isEqualTo(FailoverPhase.FAILED);
        assertThat(p.error()).contains("HAProxy refused the command", "s is the primary", "clients released");
        assertThat(db.promoted).isEqualTo("s");
        assertThat(db.held).isFalse();
        assertThat(db.calls).doesNotContain("unfence p");
        assertThat(db.recordedTypes())
                .containsExactly(
                        FailoverStep.STARTED,
                        FailoverStep.FENCED,
                        FailoverStep.PROMOTED,
                        FailoverStep.SYNC_CONFIGURED,
                        FailoverStep.FAILED);
    }

    @Test
    void aSwitchoverWhoseSyncStepFailsKeepsThePromotionAndStillRepoints() {
        db.syncFails = true;

        FailoverProgress p = switchover();

        assertThat(p.phase()).isEqualTo(FailoverPhase.COMPLETED);
        assertThat(db.routedTo).isEqualTo("s");
        assertThat(db.held).isFalse();
        assertThat(db.recorded.get(3).message()).contains("failed", "permission denied to set parameter");
        assertThat(p.error())
                .contains("permission denied to set parameter", "pgactive-tools replication sync-standbys s --none");
    }

    @Test
    void aSwitchoverWithoutAWriteGateHoldsNobodyAndSaysSo() {
        db.noGate = true;

        FailoverProgress p = switchover();

        assertThat(p.phase()).isEqualTo(FailoverPhase.COMPLETED);
        assertThat(db.calls).doesNotContain("hold p", "release p").containsSubsequence("fence p", "repoint s");
        assertThat(db.recorded.get(1).message()).contains("no write gate", "new connections are refused");
        assertThat(db.recorded.get(4).message()).doesNotContain("released");
    }

    @Test
    void aSwitchoverWhoseActivityIsLostLetsTheClientsGoAndUndoesNothing() {
        db.switchoverDies = true;

        FailoverProgress p = switchover();

        assertThat(p.phase()).isEqualTo(FailoverPhase.FAILED);
        assertThat(p.error()).contains("activity heartbeat timed out", "check which node is writable", "released");
        assertThat(db.calls).endsWith("release p").doesNotContain("unfence p");
    }

    @Test
    void aFailedPromotionLeavesTheOldPrimaryFenced() {
        db.promoteFails = true;

        FailoverProgress p = run(new FailoverRequest("p", false, null, null));

        assertThat(p.phase()).isEqualTo(FailoverPhase.FAILED);
        assertThat(p.error()).contains("pg_promote returned false", "p stays fenced");
        assertThat(db.primaryFenced).isTrue();
        assertThat(db.calls).doesNotContain("unfence p");
        assertThat(db.recordedTypes()).containsExactly(FailoverStep.STARTED, FailoverStep.FENCED, FailoverStep.FAILED);
    }

    @Test
    void aFailedRepointSaysWhichNodeIsNowThePrimary() {
        db.repointFails = true;

        FailoverProgress p = run(new FailoverRequest("p", false, null, null));

        assertThat(p.phase()).isEqualTo(FailoverPhase.FAILED);
        assertThat(p.error()).contains("s is the primary");
        assertThat(db.recordedTypes())
                .containsExactly(
                        FailoverStep.STARTED,
                        FailoverStep.FENCED,
                        FailoverStep.PROMOTED,
                        FailoverStep.SYNC_CONFIGURED,
                        FailoverStep.FAILED);
    }

    @Test
    void theConfiguredStandbysBecomeTheNewPrimarysSynchronousStandbysWithoutItself() {
        FailoverProgress p =
                run(new FailoverRequest("p", false, null, null), POLICY.withSynchronousStandbysAfter("s,a"));

        assertThat(p.phase()).isEqualTo(FailoverPhase.COMPLETED);
        assertThat(db.calls).containsSubsequence("writable s", "sync s 's,a'", "repoint s");
        assertThat(db.syncStandbyNames).isEqualTo("\"a\"");
    }

    @Test
    void keepLeavesTheInheritedSettingAndSaysSo() {
        FailoverProgress p = run(
                new FailoverRequest("p", false, null, null),
                POLICY.withSynchronousStandbysAfter(SynchronousStandbys.KEEP));

        assertThat(p.phase()).isEqualTo(FailoverPhase.COMPLETED);
        assertThat(db.syncStandbyNames).isEqualTo("\"s\", \"a\"");
        assertThat(db.recorded.get(3).type()).isEqualTo(FailoverStep.SYNC_CONFIGURED);
        assertThat(db.recorded.get(3).message()).contains("kept");
    }

    @Test
    void aFailureToSetTheSynchronousStandbysKeepsThePromotionAndRepointsAndTellsTheOperatorWhatToRun() {
        db.syncFails = true;

        FailoverProgress p = run(new FailoverRequest("p", false, null, null));

        assertThat(p.phase()).isEqualTo(FailoverPhase.COMPLETED);
        assertThat(db.promoted).isEqualTo("s");
        assertThat(db.routedTo).isEqualTo("s");
        assertThat(db.calls).doesNotContain("unfence p");
        assertThat(db.recordedTypes())
                .containsExactly(
                        FailoverStep.STARTED,
                        FailoverStep.FENCED,
                        FailoverStep.PROMOTED,
                        FailoverStep.SYNC_CONFIGURED,
                        FailoverStep.TRAFFIC_REPOINTED);
        assertThat(db.recorded.get(3).message()).contains("failed", "permission denied to set parameter");
        assertThat(p.error())
                .contains("permission denied to set parameter", "pgactive-tools replication sync-standbys s --none");
    }

    @Test
    void aFailedSyncStepAndAFailedRepointAreBothInTheError() {
        db.syncFails = true;
        db.repointFails = true;

        FailoverProgress p = run(new FailoverRequest("p", false, null, null));

        assertThat(p.phase()).isEqualTo(FailoverPhase.FAILED);
        assertThat(p.error()).contains("s is the primary", "sync-standbys s --none");
        assertThat(db.promoted).isEqualTo("s");
    }

    @Test
    void theOperatorsChoiceOfStandbyIsPromoted() {
        FailoverProgress p = run(new FailoverRequest("p", false, "a", null));

        assertThat(p.phase()).isEqualTo(FailoverPhase.COMPLETED);
        assertThat(db.promoted).isEqualTo("a");
        assertThat(db.recorded.get(0).lagBytes()).isEqualTo(100);
    }

    @Test
    void askedToResyncTheFailoverStartsTheOldPrimarysResyncWhichWaitsForItThenRebuildsIt() {
        FailoverProgress p = runWithResync();

        assertThat(p.phase()).isEqualTo(FailoverPhase.COMPLETED);
        assertThat(db.recordedTypes()).endsWith(FailoverStep.TRAFFIC_REPOINTED, FailoverStep.RESYNC_STARTED);
        assertThat(db.recorded.get(db.recorded.size() - 1).message()).contains("resync-p started", "standby of s");
        ResyncProgress resync = WorkflowStub.fromTyped(client.newWorkflowStub(Resync.class, Resync.workflowId("p")))
                .getResult(ResyncProgress.class);
        assertThat(resync.phase()).isEqualTo(ResyncPhase.COMPLETED);
        assertThat(resync.newPrimary()).isEqualTo("s");
        assertThat(db.calls)
                .containsSubsequence(
                        "repoint s", "answers p", "rebuild p from s", "streaming p from s", "include p on s 'p,a'");
        // the policy names p: streaming again, it is made the new primary's synchronous standby, as the last step
        assertThat(db.recordedTypes()).endsWith(FailoverStep.RESYNCED, FailoverStep.SYNC_CONFIGURED);
    }

    @Test
    void anOldPrimaryThatNeverReturnsFailsItsResyncButNotTheFailover() {
        db.oldPrimaryReturns = false;

        FailoverProgress p = runWithResync();

        assertThat(p.phase()).isEqualTo(FailoverPhase.COMPLETED);
        ResyncProgress resync = WorkflowStub.fromTyped(client.newWorkflowStub(Resync.class, Resync.workflowId("p")))
                .getResult(ResyncProgress.class);
        assertThat(resync.phase()).isEqualTo(ResyncPhase.FAILED);
        assertThat(resync.error()).contains("waiting for p", "did not answer");
        assertThat(db.calls).noneMatch(c -> c.startsWith("rebuild"));
    }

    @Test
    void withoutTheRequestNoResyncStarts() {
        FailoverProgress p = run(new FailoverRequest("p", false, null, null));

        assertThat(p.phase()).isEqualTo(FailoverPhase.COMPLETED);
        assertThat(db.recordedTypes()).doesNotContain(FailoverStep.RESYNC_STARTED);
        assertThat(db.calls).noneMatch(c -> c.startsWith("answers") || c.startsWith("rebuild"));
    }

    private FailoverProgress runWithResync() {
        String id = Failover.workflowId("p");
        Failover stub = client.newWorkflowStub(
                Failover.class,
                WorkflowOptions.newBuilder()
                        .setWorkflowId(id)
                        .setTaskQueue(QUEUE)
                        .build());
        ResyncInput resync =
                new ResyncInput(Resync.workflowId("p"), "p", null, "after " + id, 60_000, 60_000, 600_000, "p,a");
        return stub.run(new FailoverInput(id, new FailoverRequest("p", false, null, null, true), POLICY, resync));
    }

    @Test
    void aSecondStartForTheSamePrimaryJoinsTheFirstRun() {
        String id = Failover.workflowId("p");
        WorkflowOptions options = WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(QUEUE)
                .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                .build();
        FailoverInput input = new FailoverInput(id, new FailoverRequest("p", false, null, null), POLICY);
        String first = WorkflowClient.start(client.newWorkflowStub(Failover.class, options)::run, input)
                .getRunId();
        String second = WorkflowClient.start(client.newWorkflowStub(Failover.class, options)::run, input)
                .getRunId();

        assertThat(second).isEqualTo(first);
        FailoverProgress p = WorkflowStub.fromTyped(client.newWorkflowStub(Failover.class, id))
                .getResult(FailoverProgress.class);
        assertThat(p.phase()).isEqualTo(FailoverPhase.COMPLETED);
        assertThat(db.calls.stream().filter(c -> c.startsWith("promote"))).hasSize(1);
    }
}
