package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.HealthReport;
import io.pgactive.tools.contract.upgrade.UpgradeDecision;
import io.pgactive.tools.contract.upgrade.UpgradeHold;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.contract.upgrade.UpgradeProgress;
import io.pgactive.tools.contract.upgrade.UpgradeState;
import io.quarkiverse.temporal.TemporalWorkflow;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * The upgrade's workflow: a phase machine that runs each step of the upgrade table as an activity, applies
 * {@link UpgradeRules} to what they report, and serves the operator's rollback, resume and approve. Deterministic:
 * time is workflow time, all I/O is activities. Its whole state is an {@link UpgradeState}, so a run can continue as
 * new at any wait and the next run picks up in the same phase.
 *
 * <p>A step that fails after its retries holds the upgrade for the operator (resume retries it, rollback undoes
 * everything); only provisioning failures end the upgrade by themselves, after removing what was created.
 */
// in no worker of the Temporal extension: TemporalWorker registers it on a factory of its own when enabled, and the
// extension would build its worker, and with it the client and its gRPC stubs, at every start
@TemporalWorkflow(workers = {})
public class RollingUpgradeWorkflow implements RollingUpgrade {

    private static final Logger LOG = Workflow.getLogger(RollingUpgradeWorkflow.class);
    private static final int LOG_REASON = 200;

    private static RetryOptions retries(int attempts) {
        return RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(2))
                .setMaximumInterval(Duration.ofSeconds(30))
                .setBackoffCoefficient(2)
                .setMaximumAttempts(attempts)
                .setDoNotRetry(IllegalArgumentException.class.getName())
                .build();
    }

    private static UpgradeActivities stub(Duration startToClose, int attempts) {
        return Workflow.newActivityStub(
                UpgradeActivities.class,
                ActivityOptions.newBuilder()
                        .setStartToCloseTimeout(startToClose)
                        .setRetryOptions(retries(attempts))
                        .build());
    }

    // the upgrade table's timeouts; undo steps (rollback, removal) retry until they succeed
    private final UpgradeActivities validate = stub(Duration.ofSeconds(30), 3);
    private final UpgradeActivities provision = stub(Duration.ofMinutes(15), 3);
    private final UpgradeActivities configure = stub(Duration.ofMinutes(5), 3);
    private final UpgradeActivities install = stub(Duration.ofMinutes(3), 3);
    private final UpgradeActivities shift = stub(Duration.ofMinutes(10), 3);
    private final UpgradeActivities health = stub(Duration.ofMinutes(5), 3);
    private final UpgradeActivities cutover = stub(Duration.ofMinutes(1), 2);
    private final UpgradeActivities undo = stub(Duration.ofMinutes(10), 0);
    private final UpgradeActivities detach = stub(Duration.ofMinutes(5), 3);
    private final UpgradeActivities decommission = stub(Duration.ofMinutes(10), 3);
    private final UpgradeActivities record = stub(Duration.ofSeconds(10), 3);
    private UpgradeActivities sync;

    private UpgradeInput input;
    private UpgradePolicy policy;
    private List<Integer> steps = List.of();

    private UpgradePhase phase = UpgradePhase.VALIDATING;
    private UpgradeHold hold = UpgradeHold.NONE;
    private String holdReason;
    private DatabaseRef source;
    private DatabaseRef target;
    private int targetPercent;
    private int lastGoodPercent;
    private int shiftsDone;
    private boolean reverseStarted;
    private long lagBytes = -1;
    private long lagAboveSince;
    private long syncSince;
    private long applyErrorsSeen;
    private long applyErrorsLast;
    private HealthReport lastHealth;
    private long phaseSince;
    private long cutoverAt;
    private boolean approved;
    private String rollbackReason;
    private String error;
    private long decisions;
    private final Deque<UpgradeDecision> recent = new ArrayDeque<>();

    private boolean rollbackRequested;
    /** The phase a rollback was asked in: before traffic shifting began, traffic never left the source. */
    private UpgradePhase rollbackFrom;

    private boolean trafficBackOnSource;
    private String resumeReason;
    /** Bumped by every operator request, so waits wake up to reconsider. */
    private long operatorInputs;

    @Override
    public UpgradeProgress run(UpgradeInput in) {
        input = in;
        policy = in.policy();
        steps = UpgradeRules.steps(in.request().shifts());
        sync = Workflow.newActivityStub(
                UpgradeActivities.class,
                ActivityOptions.newBuilder()
                        .setStartToCloseTimeout(
                                Duration.ofMillis(policy.syncChunkMillis()).plusMinutes(1))
                        .setHeartbeatTimeout(Duration.ofSeconds(30))
                        .setRetryOptions(retries(0))
                        .build());
        if (in.carried() != null) {
            restore(in.carried());
        } else {
            phaseSince = Workflow.currentTimeMillis();
            decide(
                    "started",
                    phase,
                    "upgrade of " + in.request().source() + " to PostgreSQL "
                            + in.request().targetVersion() + ", traffic steps " + steps + " then cutover");
        }
        while (!phase.terminal()) {
            if (rollbackRequested && phase != UpgradePhase.ROLLING_BACK) {
                enter(UpgradePhase.ROLLING_BACK, "rollback", rollbackReason);
            }
            switch (phase) {
                case VALIDATING -> validating();
                case PROVISIONING -> provisioning();
                case CONFIGURING -> configuring();
                case INSTALLING ->
                    step(
                            () -> install.installExtension(
                                    source, target, input.request().scope()),
                            UpgradePhase.INITIALIZING_REPLICATION,
                            "replication installed on both nodes");
                case INITIALIZING_REPLICATION -> initializing();
                case WAITING_FOR_SYNC -> {
                    if (awaitSync()) {
                        enter(UpgradePhase.SHIFTING_TRAFFIC, "phase", "in sync: lag " + UpgradeRules.bytes(lagBytes));
                    }
                }
                case SHIFTING_TRAFFIC -> shifting();
                case CUTTING_OVER -> cuttingOver();
                case AWAITING_APPROVAL -> awaitingApproval();
                case DETACHING_OLD ->
                    step(
                            () -> detach.detachOld(source, target),
                            UpgradePhase.DECOMMISSIONING,
                            "replication between " + source.node() + " and " + target.node() + " ended");
                case DECOMMISSIONING ->
                    step(
                            () -> decommission.decommissionSource(source),
                            UpgradePhase.COMPLETED,
                            source.describe() + " decommissioned");
                case ROLLING_BACK -> rollingBack();
                default -> throw new IllegalStateException("no step for phase " + phase);
            }
        }
        Workflow.await(Workflow::isEveryHandlerFinished);
        return progress();
    }

    private void validating() {
        try {
            source = validate.validateInput(input.request(), input.targetNode());
        } catch (ActivityFailure e) {
            fail("validation: " + rootMessage(e));
            return;
        }
        enter(UpgradePhase.PROVISIONING, "phase", "source " + source.describe() + " validated");
    }

    /** Provisioning failures (after the activity's retries) end the upgrade cleanly: what was created is removed. */
    private void provisioning() {
        try {
            target = provision.provisionTarget(new ProvisionRequest(
                    input.targetNode(),
                    source,
                    input.request().targetVersion(),
                    input.request().instanceClass(),
                    input.request().tags()));
        } catch (ActivityFailure e) {
            String why = "provisioning failed: " + rootMessage(e);
            decide("provisioning_failed", phase, why);
            undo.removeTarget(source, input.targetNode(), false);
            fail(why + "; what was created is removed");
            return;
        }
        enter(UpgradePhase.CONFIGURING, "phase", "target " + target.describe() + " provisioned");
    }

    private void configuring() {
        List<String> pending;
        try {
            pending = configure.configureParams(source, target);
        } catch (ActivityFailure e) {
            holdFor(UpgradeHold.HALTED, "configuring replication settings failed: " + rootMessage(e));
            return;
        }
        if (!pending.isEmpty()) {
            holdFor(
                    UpgradeHold.HALTED,
                    "settings wait for a server restart (restart, then resume): " + String.join(", ", pending));
            return;
        }
        enter(UpgradePhase.INSTALLING, "phase", "replication settings in effect on both nodes");
    }

    private void initializing() {
        InitReplicationGroup child = Workflow.newChildWorkflowStub(
                InitReplicationGroup.class,
                ChildWorkflowOptions.newBuilder()
                        .setWorkflowId(input.upgradeId() + "-init-replication")
                        .setWorkflowExecutionTimeout(Duration.ofMinutes(30))
                        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
                        .build());
        ReplicationState state;
        try {
            state = interruptible(
                    () -> child.init(source, target, input.request().scope()));
        } catch (ChildWorkflowFailure | ActivityFailure e) {
            holdFor(UpgradeHold.HALTED, "initialising replication failed: " + rootMessage(e));
            return;
        }
        if (state == null) {
            return; // interrupted by the operator
        }
        lagBytes = state.forwardLagBytes();
        applyErrorsLast = state.applyErrors();
        applyErrorsSeen = Math.max(applyErrorsSeen, 0);
        syncSince = Workflow.currentTimeMillis();
        enter(UpgradePhase.WAITING_FOR_SYNC, "phase", "initial copy done: " + state.detail());
    }

    /**
     * Waits until replication is in sync and the upgrade is not held; false when a rollback was asked. Escalation,
     * halts and the operator's resume are handled here, so every wait for sync (before each traffic step and before
     * cutover too) follows the same failure table.
     */
    private boolean awaitSync() {
        if (syncSince == 0) {
            syncSince = Workflow.currentTimeMillis();
        }
        while (true) {
            if (rollbackRequested) {
                return false;
            }
            takeResume();
            SyncReading r;
            try {
                r = interruptible(() -> sync.waitForSync(source, target, policy, applyErrorsSeen));
            } catch (ActivityFailure e) {
                LOG.warn("upgrade {}: WaitForSync failed, tried again: {}", input.upgradeId(), rootMessage(e));
                r = null;
                pause(policy.pollMillis());
            }
            if (r != null) {
                lagBytes = r.lagBytes();
                applyErrorsLast = Math.max(applyErrorsLast, r.applyErrors());
                long now = Workflow.currentTimeMillis();
                UpgradeRules.SyncVerdict v = UpgradeRules.onSync(r, state(), policy, now);
                lagAboveSince = v.lagAboveSince();
                switch (v.action()) {
                    case HALT -> {
                        if (hold != UpgradeHold.HALTED) {
                            holdFor(UpgradeHold.HALTED, v.reason());
                        }
                    }
                    case ESCALATE -> holdFor(UpgradeHold.ESCALATED, v.reason());
                    case SYNCED -> {
                        if (hold == UpgradeHold.NONE) {
                            syncSince = 0;
                            lagAboveSince = 0;
                            return true;
                        }
                    }
                    case WAIT -> {}
                }
                pause(policy.pollMillis());
            }
            continueAsNewIfLong();
        }
    }

    private void shifting() {
        while (shiftsDone < steps.size()) {
            if (!awaitSync()) {
                return;
            }
            int wanted = steps.get(shiftsDone);
            TrafficSplit split;
            try {
                split = shift.shiftTraffic(source, target, input.request().scope(), wanted);
            } catch (ActivityFailure e) {
                holdFor(UpgradeHold.HALTED, "traffic step to " + wanted + "% failed: " + rootMessage(e));
                awaitOperator();
                continue;
            }
            targetPercent = split.targetPercent();
            reverseStarted = true;
            decide("shift", phase, "traffic step " + (shiftsDone + 1) + "/" + steps.size() + ": " + split.detail());
            if (pause(policy.soakMillis())) {
                return;
            }
            HealthReport h;
            try {
                h = health.runHealthChecks(source, target, policy, applyErrorsSeen);
            } catch (ActivityFailure e) {
                h = new HealthReport(
                        Workflow.currentTimeMillis(),
                        false,
                        List.of("health check could not run: " + rootMessage(e)),
                        lagBytes,
                        applyErrorsLast,
                        0);
            }
            lastHealth = h;
            applyErrorsLast = Math.max(applyErrorsLast, h.applyErrors());
            UpgradeRules.HealthVerdict v = UpgradeRules.onHealth(h, state());
            switch (v.action()) {
                case PROCEED -> {
                    lastGoodPercent = targetPercent;
                    shiftsDone++;
                    decide("health_check_passed", phase, v.reason());
                }
                case HALT -> {
                    holdFor(UpgradeHold.HALTED, v.reason());
                    awaitOperator();
                }
                case ROLL_BACK_TO_LAST_GOOD -> {
                    decide("health_check_failed", phase, v.reason());
                    try {
                        targetPercent = undo.shiftTraffic(
                                        source, target, input.request().scope(), lastGoodPercent)
                                .targetPercent();
                    } catch (ActivityFailure e) {
                        LOG.error("upgrade {}: putting traffic back failed: {}", input.upgradeId(), rootMessage(e));
                    }
                    holdFor(UpgradeHold.HEALTH_CHECK_FAILED, v.reason());
                    awaitOperator();
                }
            }
            if (rollbackRequested) {
                return;
            }
        }
        enter(
                UpgradePhase.CUTTING_OVER,
                "phase",
                "every traffic step passed its health check at " + targetPercent + "%");
    }

    private void cuttingOver() {
        if (!awaitSync()) {
            return;
        }
        TrafficSplit split;
        try {
            split = cutover.cutover(source, target, input.request().scope(), policy.cutoverBudgetMillis());
        } catch (ActivityFailure e) {
            holdFor(UpgradeHold.HALTED, "cutover failed, traffic left as it was: " + rootMessage(e));
            awaitOperator();
            return;
        }
        targetPercent = split.targetPercent();
        reverseStarted = true;
        cutoverAt = Workflow.currentTimeMillis();
        lastGoodPercent = targetPercent;
        enter(
                UpgradePhase.AWAITING_APPROVAL,
                "cutover",
                "all traffic on " + target.node() + "; changes flow back to " + source.node()
                        + " until it is detached: " + split.detail());
    }

    private void awaitingApproval() {
        long due = UpgradeRules.decommissionDueAt(state(), policy);
        long now = Workflow.currentTimeMillis();
        if (!approved && due != UpgradeRules.NEVER && now < due) {
            long seen = operatorInputs;
            Workflow.await(Duration.ofMillis(due - now), () -> operatorInputs != seen);
        } else if (!approved && due == UpgradeRules.NEVER) {
            Workflow.await(() -> approved || rollbackRequested);
        }
        if (rollbackRequested) {
            return;
        }
        if (!approved && Workflow.currentTimeMillis() < due) {
            return; // woken by another request: look again
        }
        enter(
                UpgradePhase.DETACHING_OLD,
                "phase",
                approved
                        ? "decommissioning approved"
                        : "decommission delay of " + policy.decommissionDelayMillis() / 1000 + " s elapsed");
    }

    /**
     * Puts all traffic back on the source (the path back means nothing written on the target is lost), then removes
     * the target. Undo steps retry until they succeed.
     */
    private void rollingBack() {
        if (target != null
                && rollbackFrom != null
                && rollbackFrom.ordinal() >= UpgradePhase.SHIFTING_TRAFFIC.ordinal()) {
            TrafficSplit split =
                    undo.rollbackTraffic(source, target, input.request().scope(), policy.cutoverBudgetMillis());
            targetPercent = split.targetPercent();
            decide("traffic_on_source", phase, split.detail());
        }
        trafficBackOnSource = true;
        if (source != null) {
            undo.removeTarget(source, input.targetNode(), routerTouched());
        }
        hold = UpgradeHold.NONE;
        holdReason = null;
        enter(
                UpgradePhase.ROLLED_BACK,
                "rolled_back",
                "traffic on " + (source == null ? input.request().source() : source.node()) + ", target removed: "
                        + rollbackReason);
    }

    /** Whether a traffic step or the cutover ever ran (and so may have put the target behind the router). */
    private boolean routerTouched() {
        return reverseStarted
                || targetPercent > 0
                || cutoverAt > 0
                || (rollbackFrom != null && rollbackFrom.ordinal() >= UpgradePhase.SHIFTING_TRAFFIC.ordinal());
    }

    /** Runs one step; a failure holds the upgrade for the operator (resume runs the step again). */
    private void step(Functions.Proc action, UpgradePhase next, String done) {
        try {
            action.apply();
        } catch (ActivityFailure e) {
            holdFor(
                    UpgradeHold.HALTED,
                    phase.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " failed: " + rootMessage(e));
            return;
        }
        enter(next, next == UpgradePhase.COMPLETED ? "completed" : "phase", done);
    }

    /** Holds (a no-op when already held this way) and, when not in a sync wait, waits for the operator. */
    private void holdFor(UpgradeHold why, String reason) {
        if (hold == why && reason.equals(holdReason)) {
            return;
        }
        hold = why;
        holdReason = reason;
        decide(
                switch (why) {
                    case ESCALATED -> "escalate";
                    case HALTED -> "halt";
                    case HEALTH_CHECK_FAILED -> "hold";
                    case NONE -> "resume";
                },
                phase,
                reason);
        if (phase != UpgradePhase.WAITING_FOR_SYNC
                && phase != UpgradePhase.SHIFTING_TRAFFIC
                && phase != UpgradePhase.CUTTING_OVER) {
            awaitOperator();
        }
    }

    private void awaitOperator() {
        Workflow.await(() -> rollbackRequested || resumeReason != null);
        takeResume();
    }

    /** Applies an accepted resume: the hold ends, the apply errors seen so far are accepted, the lag window restarts. */
    private void takeResume() {
        if (resumeReason == null || rollbackRequested) {
            return;
        }
        String why = resumeReason;
        resumeReason = null;
        hold = UpgradeHold.NONE;
        holdReason = null;
        applyErrorsSeen = Math.max(applyErrorsSeen, applyErrorsLast);
        lagAboveSince = 0;
        if (syncSince != 0) {
            syncSince = Workflow.currentTimeMillis();
        }
        decide("resume", phase, "operator: " + why);
    }

    /** Waits, waking early for an operator's request; true when a rollback was asked. */
    private boolean pause(long millis) {
        long seen = operatorInputs;
        Workflow.await(Duration.ofMillis(Math.max(1, millis)), () -> operatorInputs != seen);
        return rollbackRequested;
    }

    /**
     * Runs a long step so that an operator's request interrupts it: the step is cancelled and null returned. The
     * step's own failure is thrown.
     */
    private <T> T interruptible(Functions.Func<T> action) {
        List<Promise<T>> started = new ArrayList<>(1);
        CancellationScope scope = Workflow.newCancellationScope(() -> started.add(Async.function(action)));
        scope.run();
        Promise<T> result = started.get(0);
        long seen = operatorInputs;
        Workflow.await(() -> result.isCompleted() || operatorInputs != seen);
        if (result.isCompleted()) {
            return result.get();
        }
        scope.cancel();
        return null;
    }

    private void continueAsNewIfLong() {
        if (rollbackRequested) {
            return; // the rollback update waits for this run to move traffic
        }
        takeResume(); // a resume update waits for this run: answer it before draining handlers
        if (Workflow.getInfo().isContinueAsNewSuggested()
                || Workflow.getInfo().getHistoryLength() > policy.historyLimit()) {
            Workflow.await(Workflow::isEveryHandlerFinished);
            Workflow.continueAsNew(input.carrying(state()));
        }
    }

    private void enter(UpgradePhase next, String action, String reason) {
        UpgradePhase from = phase;
        long now = Workflow.currentTimeMillis();
        long spent = now - phaseSince;
        phase = next;
        phaseSince = now;
        decide(action, from, spent, reason);
    }

    private void fail(String why) {
        error = why;
        hold = UpgradeHold.NONE;
        holdReason = null;
        trafficBackOnSource = true;
        enter(UpgradePhase.FAILED, "failed", why);
    }

    private void decide(String action, UpgradePhase from, String reason) {
        decide(action, from, 0, reason);
    }

    private void decide(String action, UpgradePhase from, long fromMillis, String reason) {
        UpgradeDecision d = new UpgradeDecision(
                Workflow.currentTimeMillis(), from, phase, action, reason, targetPercent, lagBytes, fromMillis);
        decisions++;
        recent.addLast(d);
        while (recent.size() > UpgradeState.RECENT) {
            recent.removeFirst();
        }
        // one short log line per decision; the whole reason is in the event and the progress
        LOG.info(
                "upgrade {}: {} ({} -> {}): {}",
                input.upgradeId(),
                action,
                from,
                phase,
                abbreviate(reason, LOG_REASON));
        try {
            record.recordDecision(input.upgradeId(), input.request().source(), d);
        } catch (ActivityFailure e) {
            LOG.warn("upgrade {}: decision not recorded: {}", input.upgradeId(), rootMessage(e));
        }
    }

    // --- operator requests ---------------------------------------------------------------------------------------

    @Override
    public UpgradeProgress progress() {
        return input == null
                ? null
                : new UpgradeProgress(
                        input.upgradeId(),
                        input.request(),
                        phase,
                        UpgradeRules.percent(state()),
                        hold,
                        holdReason,
                        targetPercent,
                        lagBytes,
                        lastHealth,
                        state());
    }

    @Override
    public void rollbackSignal(String reason) {
        String refusal = input == null ? "not started" : UpgradeRules.rollbackRefusal(state(), reason);
        if (refusal != null) {
            LOG.warn("upgrade {}: rollback signal ignored: {}", input == null ? "?" : input.upgradeId(), refusal);
            return;
        }
        requestRollback(reason);
    }

    @Override
    public void validateRollback(String reason) {
        String refusal =
                input == null ? "the upgrade has not started yet" : UpgradeRules.rollbackRefusal(state(), reason);
        if (refusal != null) {
            throw new IllegalStateException(refusal);
        }
    }

    @Override
    public UpgradeProgress rollback(String reason) {
        requestRollback(reason);
        Workflow.await(() -> trafficBackOnSource || phase.terminal());
        return progress();
    }

    private void requestRollback(String reason) {
        if (rollbackRequested) {
            return; // one rollback; a second request waits for the first
        }
        rollbackRequested = true;
        rollbackReason = reason;
        rollbackFrom = phase;
        // traffic never left the source before the first step: nothing to move back
        trafficBackOnSource = phase.ordinal() < UpgradePhase.SHIFTING_TRAFFIC.ordinal();
        operatorInputs++;
    }

    @Override
    public void validateResume(String reason) {
        String refusal =
                input == null ? "the upgrade has not started yet" : UpgradeRules.resumeRefusal(state(), reason);
        if (refusal == null && rollbackRequested) {
            refusal = "the upgrade is rolling back";
        }
        if (refusal != null) {
            throw new IllegalStateException(refusal);
        }
    }

    @Override
    public UpgradeProgress resume(String reason) {
        resumeReason = reason;
        operatorInputs++;
        Workflow.await(() -> resumeReason == null || rollbackRequested || phase.terminal());
        return progress();
    }

    @Override
    public void validateApprove(String reason) {
        String refusal = input == null
                ? "the upgrade has not started yet"
                : UpgradeRules.approveRefusal(state(), reason, rollbackRequested);
        if (refusal != null) {
            throw new IllegalStateException(refusal);
        }
    }

    @Override
    public UpgradeProgress approve(String reason) {
        approved = true;
        operatorInputs++;
        decide("approved", phase, "operator: " + reason);
        return progress();
    }

    // --- state ---------------------------------------------------------------------------------------------------

    private UpgradeState state() {
        return new UpgradeState(
                phase,
                hold,
                holdReason,
                source,
                target,
                targetPercent,
                lastGoodPercent,
                shiftsDone,
                reverseStarted,
                lagBytes,
                lagAboveSince,
                syncSince,
                applyErrorsSeen,
                lastHealth,
                phaseSince,
                cutoverAt,
                approved,
                rollbackReason,
                error,
                decisions,
                new ArrayList<>(recent));
    }

    private void restore(UpgradeState s) {
        phase = s.phase();
        hold = s.hold();
        holdReason = s.holdReason();
        source = s.source();
        target = s.target();
        targetPercent = s.targetPercent();
        lastGoodPercent = s.lastGoodPercent();
        shiftsDone = s.shiftsDone();
        reverseStarted = s.reverseStarted();
        lagBytes = s.lagBytes();
        lagAboveSince = s.lagAboveSince();
        syncSince = s.syncSince();
        applyErrorsSeen = s.applyErrorsSeen();
        applyErrorsLast = s.applyErrorsSeen();
        lastHealth = s.lastHealth();
        phaseSince = s.phaseSince();
        cutoverAt = s.cutoverAt();
        approved = approved || s.approved();
        decisions = s.decisions();
        recent.clear();
        recent.addAll(s.recent());
        error = s.error();
        if (s.rollbackReason() != null && !rollbackRequested) {
            requestRollback(s.rollbackReason());
        }
    }

    private static String abbreviate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "~";
    }

    /** The innermost cause's message: what a person needs from Temporal's wrapped failures. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String m = t instanceof TemporalFailure tf ? tf.getOriginalMessage() : t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
