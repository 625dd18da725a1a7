package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.workflow.ActivityCalls;
import io.pgactive.tools.workflow.gate.WriteGate;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The part of a planned switchover during which the application's clients are held: hold, fence, catch up, promote,
 * wait writable, set the synchronous standbys, re-point, release, in one call over ports whose connections were opened
 * before the hold, so the clients wait for statements, not for logins and workflow round trips.
 *
 * <p>The outcomes are those of the step-by-step path: a standby that does not catch up leaves the primary unfenced;
 * a failed promotion leaves it fenced (the standby may still come out of recovery); a failure to set the synchronous
 * standbys leaves the promotion standing and traffic is still re-pointed. Every end releases the clients. The outcome
 * is returned, not thrown: the workflow records the steps once the clients go on.
 */
final class HeldSwitchover {

    /** The polls run over kept connections while clients wait: a query every 10 ms costs the nodes little. */
    static final long POLL_MILLIS = 10;

    private final NodeControl control;
    private final FailoverRouter router;
    private final Optional<WriteGate> gate;
    private final Dsn primaryAt;
    private final Dsn standbyAt;
    private final Consumer<String> heartbeat;
    private final LongSupplier clock;
    private final long reloadMillis;

    private final List<SwitchoverReport.Done> done = new ArrayList<>();
    private boolean holding;
    /** When the PAUSE was sent (the clock's time), for how long the clients were held. */
    private long holdingSince;

    /**
     * @param gate      PgBouncer's console for the primary's database, its connection already open; empty without one
     * @param heartbeat called between steps and polls with what it is doing
     * @param clock     the time each step is recorded with
     */
    HeldSwitchover(
            NodeControl control,
            FailoverRouter router,
            Optional<WriteGate> gate,
            Dsn primaryAt,
            Dsn standbyAt,
            Consumer<String> heartbeat,
            LongSupplier clock,
            long reloadMillis) {
        this.control = control;
        this.router = router;
        this.gate = gate;
        this.primaryAt = primaryAt;
        this.standbyAt = standbyAt;
        this.heartbeat = heartbeat;
        this.clock = clock;
        this.reloadMillis = reloadMillis;
    }

    SwitchoverReport run(String primary, String standby, FailoverPolicy policy) {
        try {
            return held(primary, standby, policy);
        } finally {
            // an unexpected end (an interrupt, a bug) must not leave the clients waiting at PgBouncer
            if (holding) {
                release();
            }
        }
    }

    private SwitchoverReport held(String primary, String standby, FailoverPolicy policy) {
        // an attempt retried after the worker was lost finds the standby promoted: nothing left to catch up
        boolean promotedBefore;
        try {
            promotedBefore = control.writable(standby);
        } catch (RuntimeException e) {
            return failed("reading " + standby + " failed: " + why(e) + "; nothing changed");
        }

        String held;
        if (gate.isEmpty()) {
            held = "no write gate (pgactive.failover.pgbouncer-admin): new connections are refused while " + primary
                    + " is fenced";
        } else {
            try {
                holding = true;
                holdingSince = clock.getAsLong();
                GateState state = gate.get().pause();
                if (state != GateState.PAUSED) {
                    throw new UpgradeException(
                            gate.get().describe() + " is " + state + " after PAUSE: transactions still run", false);
                }
                held = "clients held at " + gate.get().describe();
            } catch (RuntimeException e) {
                return failed(
                        "holding the clients of " + primary + " failed: " + why(e) + "; nothing changed" + release());
            }
        }
        heartbeat.accept("held");

        try {
            String routed = router.fence(primary, primaryAt.host(), primaryAt.port());
            boolean readOnly = control.makeReadOnly(primary);
            step(
                    FailoverStep.FENCED,
                    held + "; " + routed + "; "
                            + (readOnly
                                    ? primary + " set read-only, its client sessions ended"
                                    : primary + " unreachable, not touched"));
        } catch (RuntimeException e) {
            return failed("fencing " + primary + " failed: " + why(e) + release());
        }
        heartbeat.accept("fenced");

        if (!promotedBefore) {
            try {
                awaitCaughtUp(primary, standby, policy.catchUpTimeoutMillis());
            } catch (RuntimeException e) {
                String why = standby + " did not catch up with " + primary + ": " + why(e);
                try {
                    control.makeWritable(primary);
                    router.unfence(primary, primaryAt.host(), primaryAt.port());
                    why += "; " + primary + " unfenced, nothing changed";
                } catch (RuntimeException u) {
                    why += "; unfencing " + primary + " failed too: " + why(u);
                }
                return failed(why + release());
            }
        }

        try {
            boolean promotedNow = control.promote(standby, policy.promoteTimeoutMillis());
            awaitWritable(standby, policy.writableTimeoutMillis());
            step(
                    FailoverStep.PROMOTED,
                    promotedNow ? standby + " promoted (pg_promote)" : standby + " was already out of recovery");
        } catch (RuntimeException e) {
            return failed("promoting " + standby + " failed: " + why(e) + "; " + primary + " stays fenced" + release());
        }
        heartbeat.accept("promoted");

        // before the router sends it traffic: commits on the new primary must not wait for the old one's standbys
        String wanted = policy.synchronousStandbysAfter() == null
                ? SynchronousStandbys.NONE
                : policy.synchronousStandbysAfter();
        String syncProblem = null;
        try {
            step(
                    FailoverStep.SYNC_CONFIGURED,
                    FailoverActivitiesImpl.configureSynchronousStandbys(control, standby, wanted, reloadMillis));
        } catch (RuntimeException e) {
            syncProblem = SynchronousStandbys.failed(standby, wanted, why(e));
            step(FailoverStep.SYNC_CONFIGURED, syncProblem);
        }

        String repointed;
        try {
            repointed = router.repoint(standby, standbyAt.host(), standbyAt.port());
        } catch (RuntimeException e) {
            return new SwitchoverReport(
                    List.copyOf(done),
                    "re-pointing traffic to " + standby + " failed: " + why(e) + "; " + standby
                            + " is the primary, point clients at it" + release()
                            + (syncProblem == null ? "" : "; " + syncProblem),
                    true,
                    syncProblem);
        }
        step(FailoverStep.TRAFFIC_REPOINTED, repointed + release());
        return new SwitchoverReport(List.copyOf(done), null, true, syncProblem);
    }

    private void awaitCaughtUp(String primary, String standby, long timeoutMillis) {
        // the primary is read-only now: its position no longer moves
        long target = FailoverRules.lsn(control.currentLsn(primary));
        long deadline = clock.getAsLong() + timeoutMillis;
        String replayed = control.replayLsn(standby);
        while (FailoverRules.lsn(replayed) < target) {
            if (clock.getAsLong() >= deadline) {
                throw new UpgradeException(
                        standby + " replayed up to " + replayed + " within " + timeoutMillis + " ms, short of "
                                + primary + "'s final position",
                        false);
            }
            heartbeat.accept(replayed);
            ActivityCalls.sleep(POLL_MILLIS);
            replayed = control.replayLsn(standby);
        }
    }

    private void awaitWritable(String node, long timeoutMillis) {
        long deadline = clock.getAsLong() + timeoutMillis;
        while (!control.writable(node)) {
            if (clock.getAsLong() >= deadline) {
                throw new UpgradeException(
                        node + " does not accept writes " + timeoutMillis + " ms after its promotion", false);
            }
            heartbeat.accept("promoting");
            ActivityCalls.sleep(POLL_MILLIS);
        }
    }

    /**
     * Lets the held clients go on; what happened, for the step's message (empty when nothing is held). A console
     * connection that broke is opened afresh by the gate, so a failed RESUME is tried once more.
     */
    private String release() {
        if (!holding || gate.isEmpty()) {
            holding = false;
            return "";
        }
        RuntimeException last = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                GateState state = gate.get().resume();
                holding = false;
                return "; clients released at " + gate.get().describe() + " (" + state + ") after "
                        + (clock.getAsLong() - holdingSince) + " ms held";
            } catch (RuntimeException e) {
                last = e;
            }
        }
        holding = false;
        return "; releasing the held clients failed (RESUME them at PgBouncer): " + why(last);
    }

    private void step(String type, String message) {
        done.add(new SwitchoverReport.Done(type, clock.getAsLong(), message));
    }

    private SwitchoverReport failed(String why) {
        boolean promoted = done.stream().anyMatch(d -> FailoverStep.PROMOTED.equals(d.type()));
        return new SwitchoverReport(List.copyOf(done), why, promoted, null);
    }

    /** The failure's own text, as the step-by-step path reports it through its activity failures. */
    static String why(Throwable e) {
        if (e instanceof ApplicationFailure af) {
            return af.getOriginalMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
