package io.pgactive.tools.workflow.guard;

import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.guard.Band;
import io.pgactive.tools.contract.guard.GuardDecision;
import io.pgactive.tools.contract.guard.GuardMode;
import io.pgactive.tools.contract.guard.GuardState;
import io.pgactive.tools.contract.guard.GuardStatus;
import io.quarkiverse.temporal.TemporalWorkflow;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * The guard's workflow: applies {@link GuardRules} to the readings the service signals, acts on the gate through
 * {@link GuardActivities}, and records every decision. Deterministic: time is workflow time, all I/O is activities.
 */
// in no worker of the Temporal extension: TemporalWorker registers it on a factory of its own when enabled, and the
// extension would build its worker, and with it the client and its gRPC stubs, at every start
@TemporalWorkflow(workers = {})
public class ReplicationGuardWorkflow implements ReplicationGuard {

    private static final Logger LOG = Workflow.getLogger(ReplicationGuardWorkflow.class);

    /** After a failed gate operation, how long before the rules are tried again (or sooner on new input). */
    static final Duration FAILURE_BACKOFF = Duration.ofSeconds(30);

    // PAUSE waits for transactions in flight, so the gate gets a minute; a few attempts, then the failure is recorded
    // and the loop retries after a back-off, with signals, queries and overrides still served.
    private final GuardActivities gate = Workflow.newActivityStub(
            GuardActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(75))
                    .setRetryOptions(RetryOptions.newBuilder()
                            .setInitialInterval(Duration.ofSeconds(1))
                            .setMaximumInterval(Duration.ofSeconds(10))
                            .setMaximumAttempts(4)
                            .build())
                    .build());

    private GuardInput input;
    private GateState gateState = GateState.OPEN;
    private GuardMode mode = GuardMode.AUTO;
    private Band band = Band.UNKNOWN;
    private Double lagSeconds;
    private long lagVersion;
    private long lagObservedAt;
    private long bandSince;
    private long pausedSince;
    private String lastError;
    private String overrideReason;
    private long decisions;
    private final Deque<GuardDecision> recent = new ArrayDeque<>();

    /** Set once the gate's state is known: overrides wait for it. */
    private boolean started;

    private boolean stopRequested;
    private String stopReason;
    /** Bumped by every signal and update, so the main loop wakes up to reconsider. */
    private long inputs;
    /** Bumped by every failed gate operation, so a waiting override can give up. */
    private long failures;

    @Override
    public void guard(GuardInput in) {
        this.input = in;
        long now = Workflow.currentTimeMillis();
        if (bandSince == 0) {
            bandSince = now;
        }
        if (in.carried() != null) {
            restore(in.carried());
        } else {
            readInitialGate();
            if (stopRequested) {
                decide("stopped", gateState, gateState, stopReason);
                return;
            }
            // a gate found paused is treated as paused by the guard: it resumes it once lag allows (and max_pause caps
            // it)
            pausedSince = gateState != GateState.OPEN ? Workflow.currentTimeMillis() : 0;
            decide("started", gateState, gateState, "guarding " + in.gate() + " on node " + in.node());
        }
        started = true;
        long nextReconcile = now + in.policy().reconcileMillis();
        while (!stopRequested) {
            now = Workflow.currentTimeMillis();
            GuardRules.Step step = GuardRules.next(snapshot(), in.policy(), now);
            if (step.action() != GuardRules.Action.NONE) {
                if (!apply(step, now)) {
                    long seen = inputs;
                    Workflow.await(FAILURE_BACKOFF, () -> inputs != seen || stopRequested);
                }
                continue;
            }
            if (now >= nextReconcile) {
                reconcile();
                nextReconcile = Workflow.currentTimeMillis() + in.policy().reconcileMillis();
                continue;
            }
            if (historyTooLong()) {
                Workflow.await(Workflow::isEveryHandlerFinished);
                Workflow.continueAsNew(in.carrying(snapshot()));
                return;
            }
            long wakeAt = Math.min(step.wakeAtMillis(), nextReconcile);
            long seen = inputs;
            Workflow.await(Duration.ofMillis(Math.max(1, wakeAt - now)), () -> inputs != seen || stopRequested);
        }
        if (gateState != GateState.OPEN) {
            apply(
                    new GuardRules.Step(GuardRules.Action.RESUME, "guard stopped: " + stopReason, 0),
                    Workflow.currentTimeMillis());
        }
        decide("stopped", gateState, gateState, stopReason);
        Workflow.await(Workflow::isEveryHandlerFinished);
    }

    /** Nothing can be decided before the gate's real state is known: keep asking, still answering queries and stop. */
    private void readInitialGate() {
        while (!stopRequested) {
            try {
                gateState = gate.readGate(input.gate());
                lastError = null;
                return;
            } catch (ActivityFailure e) {
                failures++;
                lastError = "reading the gate failed: " + rootMessage(e);
                LOG.warn("guard {}: {}", input.gate(), lastError);
                long seen = inputs;
                Workflow.await(FAILURE_BACKOFF, () -> inputs != seen || stopRequested);
            }
        }
    }

    /** Carries out one step; false when the gate operation failed (recorded, retried later). */
    private boolean apply(GuardRules.Step step, long now) {
        GateState before = gateState;
        try {
            switch (step.action()) {
                case PAUSE -> {
                    gateState = gate.pauseWrites(input.gate());
                    pausedSince = now;
                }
                case RESUME -> {
                    gateState = gate.resumeWrites(input.gate());
                    pausedSince = 0;
                }
                case ESCALATE -> {
                    gateState = gate.resumeWrites(input.gate());
                    pausedSince = 0;
                    mode = GuardMode.ESCALATED;
                }
                case CLEAR -> mode = GuardMode.AUTO;
                case NONE -> {
                    return true;
                }
            }
        } catch (ActivityFailure e) {
            failures++;
            lastError = step.action().name().toLowerCase(Locale.ROOT) + " failed: " + rootMessage(e);
            LOG.warn("guard {}: {}", input.gate(), lastError);
            decide("failed", before, gateState, lastError);
            return false;
        }
        lastError = null;
        decide(step.action().name().toLowerCase(Locale.ROOT), before, gateState, step.reason());
        return true;
    }

    /** Reads the gate back; someone may have paused or resumed it by hand. */
    private void reconcile() {
        GateState before = gateState;
        try {
            gateState = gate.readGate(input.gate());
        } catch (ActivityFailure e) {
            failures++;
            lastError = "reading the gate failed: " + rootMessage(e);
            return;
        }
        if ((gateState == GateState.OPEN) != (before == GateState.OPEN)) {
            pausedSince = gateState != GateState.OPEN ? Workflow.currentTimeMillis() : 0;
            decide("drift", before, gateState, "the gate was changed outside the guard");
        }
    }

    private void decide(String action, GateState from, GateState to, String reason) {
        GuardDecision d =
                new GuardDecision(Workflow.currentTimeMillis(), action, from, to, mode, reason, lagSeconds, lagVersion);
        decisions++;
        recent.addLast(d);
        while (recent.size() > GuardState.RECENT) {
            recent.removeFirst();
        }
        LOG.info("guard {}: {} ({} -> {}, mode {}): {}", input.gate(), action, from, to, mode, reason);
        try {
            gate.recordDecision(input.gate(), input.node(), d);
        } catch (ActivityFailure e) {
            LOG.warn("guard {}: decision not recorded: {}", input.gate(), rootMessage(e));
        }
    }

    private boolean historyTooLong() {
        return Workflow.getInfo().isContinueAsNewSuggested()
                || Workflow.getInfo().getHistoryLength() > input.policy().historyLimit();
    }

    @Override
    public void lag(LagReading reading) {
        if (reading == null || reading.version() < lagVersion) {
            return; // an older reading delivered late must not undo a newer one
        }
        Band next = reading.band() == null ? Band.UNKNOWN : reading.band();
        if (next != band) {
            band = next;
            bandSince = Workflow.currentTimeMillis();
        }
        lagSeconds = reading.lagSeconds();
        lagVersion = reading.version();
        lagObservedAt = reading.observedAtMillis();
        inputs++;
    }

    @Override
    public void stop(String reason) {
        stopRequested = true;
        stopReason = reason == null || reason.isBlank() ? "stop requested" : reason;
        inputs++;
    }

    @Override
    public GuardStatus status() {
        return new GuardStatus(
                input == null ? null : input.gate(),
                input == null ? null : input.node(),
                input == null ? null : input.policy(),
                snapshot(),
                stopRequested);
    }

    @Override
    public void validateOverride(GuardOverride o) {
        if (o == null || o.action() == null) {
            throw new IllegalArgumentException("action is required (pause, resume or release)");
        }
        if (o.reason() == null || o.reason().isBlank()) {
            throw new IllegalArgumentException("a reason is required: it goes into the guard's record");
        }
        if (o.reason().length() > GuardOverride.MAX_REASON) {
            throw new IllegalArgumentException("reason is longer than " + GuardOverride.MAX_REASON + " characters");
        }
        if (stopRequested) {
            throw new IllegalStateException("the guard is stopping");
        }
        if (!started) {
            throw new IllegalStateException(
                    "the guard has not read its gate yet" + (lastError == null ? "" : ": " + lastError));
        }
        if (o.action() == GuardOverride.Action.RELEASE && mode == GuardMode.AUTO) {
            throw new IllegalStateException("nothing to release: the guard already follows the lag rules");
        }
    }

    @Override
    public GuardStatus override(GuardOverride o) {
        Workflow.await(() -> started);
        GuardMode before = mode;
        mode = switch (o.action()) {
            case PAUSE -> GuardMode.HELD_PAUSED;
            case RESUME -> GuardMode.HELD_OPEN;
            case RELEASE -> GuardMode.AUTO;
        };
        overrideReason = mode == GuardMode.AUTO ? null : o.reason();
        decide(
                "override",
                gateState,
                gateState,
                o.action().name().toLowerCase(Locale.ROOT) + " by operator (" + before + " -> " + mode + "): "
                        + o.reason());
        long failuresBefore = failures;
        inputs++;
        GateState wanted = switch (o.action()) {
            case PAUSE -> GateState.PAUSED;
            case RESUME -> GateState.OPEN;
            case RELEASE -> null;
        };
        Workflow.await(() -> wanted == null
                || (wanted == GateState.OPEN) == (gateState == GateState.OPEN)
                || failures != failuresBefore
                || stopRequested);
        return status();
    }

    /** Takes over the previous run's state; a reading this run has already received is newer and is kept. */
    private void restore(GuardState s) {
        gateState = s.gate();
        mode = s.mode();
        if (s.lagVersion() >= lagVersion) {
            band = s.band();
            lagSeconds = s.lagSeconds();
            lagVersion = s.lagVersion();
            lagObservedAt = s.lagObservedAtMillis();
            bandSince = s.bandSinceMillis();
        }
        pausedSince = s.pausedSinceMillis();
        lastError = s.lastError();
        overrideReason = s.overrideReason();
        decisions = s.decisions();
        recent.clear();
        recent.addAll(s.recent());
    }

    private GuardState snapshot() {
        return new GuardState(
                gateState,
                mode,
                band,
                lagSeconds,
                lagVersion,
                lagObservedAt,
                bandSince,
                pausedSince,
                lastError,
                decisions,
                new ArrayList<>(recent),
                overrideReason);
    }

    /** The innermost cause's message: what a person needs from Temporal's wrapped failures. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
