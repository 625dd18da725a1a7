package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.contract.failover.ResyncPhase;
import io.pgactive.tools.contract.failover.ResyncProgress;
import io.quarkiverse.temporal.TemporalWorkflow;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Rebuild, then wait until the service's own snapshot shows the node streaming from the new primary: a rebuild that
 * started a server which never streams is a failure, not a {@code resynced}.
 */
// in no worker of the Temporal extension: TemporalWorker registers it on a factory of its own when enabled, and the
// extension would build its worker, and with it the client and its gRPC stubs, at every start
@TemporalWorkflow(workers = {})
public class ResyncWorkflow implements Resync {

    private final FailoverActivities quick = Workflow.newActivityStub(
            FailoverActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(30))
                    .setRetryOptions(RetryOptions.newBuilder()
                            .setInitialInterval(Duration.ofMillis(500))
                            .setMaximumAttempts(5)
                            .build())
                    .build());

    /** Marks where resyncs began to wait for a node that does not answer yet (a failover's old primary). */
    static final String AWAIT_CHANGE = "resync-await-node";
    /** Marks where resyncs began to make the rebuilt node a synchronous standby again when the policy names it. */
    static final String SYNC_CHANGE = "resync-sync-standby";

    private final List<FailoverStep> steps = new ArrayList<>();
    private ResyncInput input;
    private ResyncPhase phase = ResyncPhase.REBUILDING;
    private long startedAt;
    private long streamingMillis = -1;
    private String error;

    @Override
    public ResyncProgress run(ResyncInput in) {
        input = in;
        startedAt = Workflow.currentTimeMillis();
        // stop, rewind or copy, start: a retry finds a node already streaming and leaves it alone
        FailoverActivities rebuilding = Workflow.newActivityStub(
                FailoverActivities.class,
                ActivityOptions.newBuilder()
                        .setStartToCloseTimeout(
                                Duration.ofMillis(in.programTimeoutMillis() * 4).plusSeconds(30))
                        .setRetryOptions(
                                RetryOptions.newBuilder().setMaximumAttempts(2).build())
                        .build());
        FailoverActivities waiting = Workflow.newActivityStub(
                FailoverActivities.class,
                ActivityOptions.newBuilder()
                        .setStartToCloseTimeout(
                                Duration.ofMillis(in.streamingTimeoutMillis()).plusSeconds(30))
                        .setHeartbeatTimeout(Duration.ofSeconds(20))
                        .setRetryOptions(
                                RetryOptions.newBuilder().setMaximumAttempts(2).build())
                        .build());
        if (in.answerTimeoutMillis() > 0 && Workflow.getVersion(AWAIT_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1) {
            phase = ResyncPhase.AWAITING_NODE;
            FailoverActivities awaiting = Workflow.newActivityStub(
                    FailoverActivities.class,
                    ActivityOptions.newBuilder()
                            .setStartToCloseTimeout(
                                    Duration.ofMillis(in.answerTimeoutMillis()).plusSeconds(30))
                            .setHeartbeatTimeout(Duration.ofSeconds(30))
                            .setRetryOptions(RetryOptions.newBuilder()
                                    .setMaximumAttempts(2)
                                    .build())
                            .build());
            try {
                awaiting.awaitAnswers(in.node(), in.answerTimeoutMillis());
            } catch (ActivityFailure e) {
                return fail("waiting for " + in.node() + " to rebuild it as a standby of " + in.newPrimary() + ": "
                        + FailoverWorkflow.rootMessage(e));
            }
            phase = ResyncPhase.REBUILDING;
        }
        String how;
        try {
            how = rebuilding.rebuildStandby(in.node(), in.newPrimary());
        } catch (ActivityFailure e) {
            return fail("rebuilding " + in.node() + " as a standby of " + in.newPrimary() + " failed: "
                    + FailoverWorkflow.rootMessage(e));
        }
        phase = ResyncPhase.AWAITING_STREAMING;
        String seen;
        try {
            seen = waiting.awaitStreaming(in.node(), in.newPrimary(), in.streamingTimeoutMillis());
        } catch (ActivityFailure e) {
            return fail(how + "; but " + FailoverWorkflow.rootMessage(e));
        }
        streamingMillis = Workflow.currentTimeMillis() - startedAt;
        phase = ResyncPhase.COMPLETED;
        record(FailoverStep.RESYNCED, how + "; " + seen + (in.reason() == null ? "" : "; requested: " + in.reason()));
        String policy = in.synchronousStandbysAfter();
        if (policy != null && !policy.isEmpty() && Workflow.getVersion(SYNC_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1) {
            // last: the node is a standby whatever happens here; a failure is the operator's to fix, and said so
            try {
                String done = quick.includeSynchronousStandby(in.newPrimary(), in.node(), policy);
                if (done != null) {
                    record(FailoverStep.SYNC_CONFIGURED, done);
                }
            } catch (ActivityFailure e) {
                error = "making " + in.node() + " a synchronous standby of " + in.newPrimary() + " failed: "
                        + FailoverWorkflow.rootMessage(e);
                record(FailoverStep.SYNC_CONFIGURED, error);
            }
        }
        return progress();
    }

    @Override
    public ResyncProgress progress() {
        return new ResyncProgress(
                input == null ? null : input.id(),
                input == null ? null : input.node(),
                input == null ? null : input.newPrimary(),
                phase,
                steps,
                startedAt,
                streamingMillis,
                error);
    }

    private ResyncProgress fail(String why) {
        phase = ResyncPhase.FAILED;
        error = why;
        record(FailoverStep.FAILED, why);
        return progress();
    }

    private void record(String type, String message) {
        FailoverStep step = new FailoverStep(
                Workflow.currentTimeMillis(), input.id(), type, input.node(), input.newPrimary(), -1, message);
        steps.add(step);
        try {
            quick.record(step);
        } catch (ActivityFailure e) {
            Workflow.getLogger(ResyncWorkflow.class)
                    .warn("resync {}: recording {} failed: {}", input.id(), type, FailoverWorkflow.rootMessage(e));
        }
    }
}
