package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.failover.FailoverDecision;
import io.pgactive.tools.contract.failover.FailoverPhase;
import io.pgactive.tools.contract.failover.FailoverProgress;
import io.pgactive.tools.contract.failover.FailoverRequest;
import io.pgactive.tools.contract.failover.FailoverStep;
import io.quarkiverse.temporal.TemporalWorkflow;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The failover's sequence: decide (snapshot + direct probe + {@link FailoverRules}), fence, catch up (planned only),
 * promote, wait writable, set the new primary's synchronous standbys, re-point. Every step is recorded before the
 * next begins, except in a planned switchover: there the steps from hold to release run as one activity (the clients
 * wait for all of them) and are recorded when it returns. After a failure the old primary stays fenced unless nothing was promoted in a planned switchover: two
 * writable primaries behind one router is the outcome this order exists to prevent.
 */
// in no worker of the Temporal extension: TemporalWorker registers it on a factory of its own when enabled, and the
// extension would build its worker, and with it the client and its gRPC stubs, at every start
@TemporalWorkflow(workers = {})
public class FailoverWorkflow implements Failover {

    private static final RetryOptions QUICK = RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofMillis(500))
            .setMaximumInterval(Duration.ofSeconds(5))
            .setBackoffCoefficient(2)
            .setMaximumAttempts(5)
            .build();

    private final FailoverActivities quick = Workflow.newActivityStub(
            FailoverActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(30))
                    .setRetryOptions(QUICK)
                    .build());
    /** The probe's answer is the fact to decide on: a failing probe is not retried into a success. */
    private final FailoverActivities once = Workflow.newActivityStub(
            FailoverActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(30))
                    .setRetryOptions(
                            RetryOptions.newBuilder().setMaximumAttempts(1).build())
                    .build());

    /** Marks where planned switchovers began to hold clients at the write gate. */
    static final String HOLD_CHANGE = "switchover-hold";
    /** Marks where failovers began to set the promoted node's synchronous_standby_names before re-pointing. */
    static final String SYNC_CHANGE = "sync-standbys-after";

    /** Marks where failovers began to start the old primary's resync when asked ({@code resync_old_primary}). */
    static final String RESYNC_CHANGE = "resync-old-primary";

    /**
     * Marks where planned switchovers began to run their held part (hold to release) as one activity over connections
     * opened before the hold, recording its steps afterwards.
     */
    static final String HELD_SWITCHOVER_CHANGE = "switchover-one-activity";

    private final List<FailoverStep> steps = new ArrayList<>();
    private boolean holding;
    private FailoverInput input;
    private FailoverPhase phase = FailoverPhase.DECIDING;
    private FailoverDecision decision;
    private long startedAt;
    private long promoteMillis = -1;
    private long writableMillis = -1;
    private String error;

    @Override
    public FailoverProgress run(FailoverInput in) {
        input = in;
        startedAt = Workflow.currentTimeMillis();
        FailoverRequest request = in.request();
        FailoverPolicy policy = in.policy();
        String primary = request.primary();

        ReplicationView view;
        boolean answered;
        try {
            view = quick.observe(primary);
            answered = once.probe(primary);
        } catch (ActivityFailure e) {
            return fail(null, "could not read the replication state: " + rootMessage(e));
        }
        decision = FailoverRules.decide(request, view, answered, policy);
        if (!decision.proceed()) {
            phase = FailoverPhase.REFUSED;
            error = decision.reason();
            record(FailoverStep.FAILED, null, -1, "refused: " + decision.reason());
            return progress();
        }
        String standby = decision.standby();
        record(
                FailoverStep.STARTED,
                standby,
                decision.possibleLossBytes(),
                decision.reason() + (request.reason() == null ? "" : "; requested: " + request.reason()));

        phase = FailoverPhase.FENCING;
        if (decision.planned() && Workflow.getVersion(HELD_SWITCHOVER_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1) {
            return switchover(in, standby);
        }
        String held = "";
        if (decision.planned() && Workflow.getVersion(HOLD_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1) {
            // clients wait at PgBouncer instead of finding no writable node while the primary is fenced
            try {
                held = quick.hold(primary) + "; ";
                holding = true;
            } catch (ActivityFailure e) {
                return fail(
                        standby,
                        "holding the clients of " + primary + " failed: " + rootMessage(e) + "; nothing changed");
            }
        }
        try {
            record(FailoverStep.FENCED, standby, -1, held + quick.fence(primary));
        } catch (ActivityFailure e) {
            return fail(standby, "fencing " + primary + " failed: " + rootMessage(e) + release());
        }

        if (decision.planned()) {
            phase = FailoverPhase.CATCHING_UP;
            FailoverActivities waiting = Workflow.newActivityStub(
                    FailoverActivities.class,
                    ActivityOptions.newBuilder()
                            .setStartToCloseTimeout(Duration.ofMillis(policy.catchUpTimeoutMillis())
                                    .plusSeconds(30))
                            .setHeartbeatTimeout(Duration.ofSeconds(20))
                            .setRetryOptions(RetryOptions.newBuilder()
                                    .setMaximumAttempts(2)
                                    .build())
                            .build());
            try {
                waiting.awaitCaughtUp(primary, standby, policy.catchUpTimeoutMillis());
            } catch (ActivityFailure e) {
                String why = standby + " did not catch up with " + primary + ": " + rootMessage(e);
                try {
                    quick.unfence(primary);
                    why += "; " + primary + " unfenced, nothing changed";
                } catch (ActivityFailure u) {
                    why += "; unfencing " + primary + " failed too: " + rootMessage(u);
                }
                return fail(standby, why + release());
            }
        }

        phase = FailoverPhase.PROMOTING;
        FailoverActivities promoting = Workflow.newActivityStub(
                FailoverActivities.class,
                ActivityOptions.newBuilder()
                        .setStartToCloseTimeout(
                                Duration.ofMillis(policy.promoteTimeoutMillis() + policy.writableTimeoutMillis())
                                        .plusSeconds(30))
                        .setRetryOptions(QUICK)
                        .build());
        try {
            String how = promoting.promote(standby, policy.promoteTimeoutMillis());
            promoting.awaitWritable(standby, policy.writableTimeoutMillis());
            promoteMillis = Workflow.currentTimeMillis() - startedAt;
            record(FailoverStep.PROMOTED, standby, decision.possibleLossBytes(), how);
        } catch (ActivityFailure e) {
            return fail(
                    standby,
                    "promoting " + standby + " failed: " + rootMessage(e) + "; " + primary + " stays fenced"
                            + release());
        }

        String syncProblem = null;
        if (Workflow.getVersion(SYNC_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1) {
            syncProblem = configureSynchronousStandbys(standby, policy.synchronousStandbysAfter());
        }

        phase = FailoverPhase.REPOINTING;
        try {
            String repointed = quick.repoint(primary, standby);
            writableMillis = Workflow.currentTimeMillis() - startedAt;
            record(FailoverStep.TRAFFIC_REPOINTED, standby, -1, repointed + release());
        } catch (ActivityFailure e) {
            return fail(
                    standby,
                    "re-pointing traffic to " + standby + " failed: " + rootMessage(e) + "; " + standby
                            + " is the primary, point clients at it" + release()
                            + (syncProblem == null ? "" : "; " + syncProblem));
        }
        if (in.resync() != null && Workflow.getVersion(RESYNC_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1) {
            startResync(in.resync().from(standby));
        }
        phase = FailoverPhase.COMPLETED;
        // the failover stands; what is left for the operator is said where the outcome is read
        error = syncProblem;
        return progress();
    }

    /**
     * A planned switchover's held part in one activity (see {@link HeldSwitchover}); its steps are recorded once the
     * clients go on, with the times they were done.
     */
    private FailoverProgress switchover(FailoverInput in, String standby) {
        FailoverPolicy policy = in.policy();
        String primary = in.request().primary();
        FailoverActivities held = Workflow.newActivityStub(
                FailoverActivities.class,
                ActivityOptions.newBuilder()
                        .setStartToCloseTimeout(Duration.ofMillis(policy.catchUpTimeoutMillis()
                                        + policy.promoteTimeoutMillis()
                                        + policy.writableTimeoutMillis())
                                .plusSeconds(60))
                        // the promotion blocks without a heartbeat for at most its bound
                        .setHeartbeatTimeout(
                                Duration.ofMillis(policy.promoteTimeoutMillis()).plusSeconds(20))
                        // a retry after a lost worker repeats idempotent steps and finds a promoted standby promoted
                        .setRetryOptions(
                                RetryOptions.newBuilder().setMaximumAttempts(2).build())
                        .build());
        SwitchoverReport report;
        try {
            report = held.switchover(primary, standby, policy);
        } catch (ActivityFailure e) {
            // no report: whether it fenced or promoted is unknown, so nothing is undone; the clients are let go
            holding = true;
            return fail(
                    standby,
                    "switching over to " + standby + " failed: " + rootMessage(e) + "; " + primary
                            + " may be fenced and " + standby + " promoted: check which node is writable before"
                            + " unfencing" + release());
        }
        for (SwitchoverReport.Done done : report.steps()) {
            boolean promotion = FailoverStep.PROMOTED.equals(done.type());
            record(
                    done.type(),
                    standby,
                    promotion ? decision.possibleLossBytes() : -1,
                    done.message(),
                    done.atMillis());
            if (promotion) {
                promoteMillis = Math.max(0, done.atMillis() - startedAt);
            } else if (FailoverStep.TRAFFIC_REPOINTED.equals(done.type())) {
                writableMillis = Math.max(0, done.atMillis() - startedAt);
            }
        }
        if (report.failure() != null) {
            return fail(standby, report.failure());
        }
        if (in.resync() != null) {
            startResync(in.resync().from(standby));
        }
        phase = FailoverPhase.COMPLETED;
        error = report.syncProblem();
        return progress();
    }

    @Override
    public FailoverProgress progress() {
        return new FailoverProgress(
                input == null ? null : input.id(),
                input == null ? null : input.request(),
                phase,
                decision,
                steps,
                startedAt,
                promoteMillis,
                writableMillis,
                error);
    }

    /**
     * Starts the old primary's resync as a workflow of its own, under the id a manual resync uses, so either one joins
     * the other, and which outlives the failover: it may wait a long time for the old primary to come back. A resync
     * that cannot start leaves the failover as it is; the step says why and what the operator can run instead.
     */
    private void startResync(ResyncInput resync) {
        Resync child = Workflow.newChildWorkflowStub(
                Resync.class,
                ChildWorkflowOptions.newBuilder()
                        .setWorkflowId(resync.id())
                        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                        .build());
        Async.function(child::run, resync);
        String message;
        try {
            Workflow.getWorkflowExecution(child).get();
            message = resync.id() + " started: " + resync.node() + " is rebuilt as a standby of " + resync.newPrimary()
                    + " once it answers (within " + Duration.ofMillis(resync.answerTimeoutMillis()) + ")";
        } catch (TemporalFailure e) {
            message = resync.id() + " did not start (" + rootMessage(e) + "); a resync of " + resync.node()
                    + " may already run, else run 'pgactive-tools replication resync " + resync.node() + "'";
        }
        record(FailoverStep.RESYNC_STARTED, resync.newPrimary(), -1, message);
    }

    /** Lets held clients go on (an empty string when none are held); what happened, for the step's message. */
    private String release() {
        if (!holding) {
            return "";
        }
        try {
            String released = quick.release(input.request().primary());
            holding = false;
            return "; " + released;
        } catch (ActivityFailure e) {
            return "; releasing the held clients failed (RESUME them at PgBouncer): " + rootMessage(e);
        }
    }

    /**
     * Sets the promoted node's synchronous standbys. A failure leaves the promotion as it is (undoing it would leave
     * no primary at all): it is recorded, and the returned text says what the operator must do; null on success.
     */
    private String configureSynchronousStandbys(String standby, String policy) {
        String wanted = policy == null ? SynchronousStandbys.NONE : policy;
        try {
            record(FailoverStep.SYNC_CONFIGURED, standby, -1, quick.configureSynchronousStandbys(standby, wanted));
            return null;
        } catch (ActivityFailure e) {
            String why = SynchronousStandbys.failed(standby, wanted, rootMessage(e));
            record(FailoverStep.SYNC_CONFIGURED, standby, -1, why);
            return why;
        }
    }

    private FailoverProgress fail(String standby, String why) {
        phase = FailoverPhase.FAILED;
        error = why;
        record(FailoverStep.FAILED, standby, -1, why);
        return progress();
    }

    /** Adds the step to the progress and stores it; a history store that is away does not stop the failover. */
    private void record(String type, String standby, long lagBytes, String message) {
        record(type, standby, lagBytes, message, Workflow.currentTimeMillis());
    }

    private void record(String type, String standby, long lagBytes, String message, long atMillis) {
        FailoverStep step =
                new FailoverStep(atMillis, input.id(), type, input.request().primary(), standby, lagBytes, message);
        steps.add(step);
        try {
            quick.record(step);
        } catch (ActivityFailure e) {
            Workflow.getLogger(FailoverWorkflow.class)
                    .warn("failover {}: recording {} failed: {}", input.id(), type, rootMessage(e));
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String m = t instanceof TemporalFailure tf ? tf.getOriginalMessage() : t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
