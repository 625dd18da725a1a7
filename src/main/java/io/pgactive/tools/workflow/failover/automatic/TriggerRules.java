package io.pgactive.tools.workflow.failover.automatic;

import io.pgactive.tools.contract.failover.FailoverDecision;
import io.pgactive.tools.contract.failover.FailoverRequest;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.workflow.failover.FailoverRules;
import io.pgactive.tools.workflow.failover.ReplicationView;
import io.pgactive.tools.workflow.failover.StandbyView;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * Whether the automatic policy starts a failover of one primary, pure: one snapshot at a time, with the time and
 * Temporal's state given, and what it remembers of the primary carried in a {@link PrimaryWatch}. The standby's fitness
 * is {@link FailoverRules#decide}'s, the very rules the workflow applies, so the policy never starts a failover the
 * workflow would refuse on the same snapshot.
 */
public final class TriggerRules {

    private TriggerRules() {}

    public enum Action {
        /** The primary is not failing. */
        IDLE,
        HOLD,
        TRIGGER
    }

    /**
     * @param reason   why it holds ({@code null} unless {@link Action#HOLD})
     * @param detail   the hold's explanation, or for a trigger the request's reason
     * @param report   the first hold for this reason in this outage: log it and count it
     */
    public record Verdict(PrimaryWatch watch, Action action, HoldReason reason, String detail, boolean report) {}

    public static Verdict next(
            AutomaticPolicy policy,
            String primary,
            PrimaryWatch watch,
            Snapshot snapshot,
            Instant now,
            boolean temporalConnected) {
        if (snapshot.version() <= watch.version()) {
            return new Verdict(watch, Action.IDLE, null, "version " + snapshot.version() + " read already", false);
        }
        ReplicationView view = FailoverRules.view(snapshot, primary, now.toEpochMilli());
        if (!view.primary().failing()) {
            PrimaryWatch calm = new PrimaryWatch(
                    snapshot.version(), null, watch.starting(), null, watch.startedAt(), null, Set.of());
            return new Verdict(calm, Action.IDLE, null, primary + " is not failing", false);
        }
        // a skipped version may have shown the primary up: the clock restarts rather than assume it stayed down
        boolean unbroken = watch.downSince() != null && snapshot.version() == watch.version() + 1;
        Instant downSince = unbroken ? watch.downSince() : snapshot.collectedAt();
        PrimaryWatch w = new PrimaryWatch(
                snapshot.version(),
                downSince,
                watch.starting(),
                watch.runningSeenAt(),
                watch.startedAt(),
                watch.retryAt(),
                unbroken ? watch.reported() : Set.of());

        if (!policy.enabled()) {
            return hold(w, HoldReason.NOT_ENABLED, "automatic failover is disabled");
        }
        if (!policy.primaries().contains(primary)) {
            return hold(w, HoldReason.NOT_LISTED, primary + " is not among the automatic failover's primaries");
        }
        long downMillis = Math.max(0, now.toEpochMilli() - downSince.toEpochMilli());
        if (downMillis < policy.downForMillis()
                || view.primary().failingForMillis() < policy.failover().downForMillis()) {
            return hold(
                    w,
                    HoldReason.DOWN_TOO_SHORT,
                    primary + " failing since " + downSince + " ("
                            + view.primary().status()
                            + "); automatic failover once it has failed for "
                            + Duration.ofMillis(policy.downForMillis())
                            + " and a fit standby is up");
        }
        if (w.starting()) {
            // the policy's own start, in flight: nothing to report
            return new Verdict(
                    w,
                    Action.HOLD,
                    HoldReason.FAILOVER_RUNNING,
                    "the failover of " + primary + " is being started",
                    false);
        }
        if (w.runningSeenAt() != null
                && now.toEpochMilli() - w.runningSeenAt().toEpochMilli() < policy.downForMillis()) {
            return hold(w, HoldReason.FAILOVER_RUNNING, "a failover of " + primary + " runs");
        }
        if (w.coolingDown(now, policy.cooldownMillis())) {
            return hold(
                    w,
                    HoldReason.COOLDOWN,
                    "the policy started a failover of " + primary + " at " + w.startedAt() + "; none other before "
                            + w.startedAt().plusMillis(policy.cooldownMillis()));
        }
        if (snapshot.nodes().values().stream()
                .filter(n -> !n.name().equals(primary))
                .noneMatch(FailoverRules::readable)) {
            return hold(
                    w,
                    HoldReason.MONITOR_ISOLATED,
                    "the service reads no node besides " + primary + " either: it may be the one cut off");
        }
        if (view.standbys().stream().noneMatch(StandbyView::readable)) {
            return hold(
                    w,
                    HoldReason.NO_STANDBY_UP,
                    view.standbys().isEmpty()
                            ? "no standby follows " + primary + " in snapshot " + snapshot.version()
                            : "the service reads no standby of " + primary + " in snapshot " + snapshot.version());
        }
        FailoverDecision decision =
                FailoverRules.decide(new FailoverRequest(primary, false, null, null), view, false, policy.failover());
        if (!decision.proceed()) {
            return hold(w, HoldReason.NO_FIT_STANDBY, decision.reason());
        }
        if (!temporalConnected) {
            return hold(
                    w,
                    HoldReason.TEMPORAL_UNAVAILABLE,
                    "Temporal is not connected: the failover of " + primary + " cannot be started");
        }
        if (w.retryAt() != null && now.isBefore(w.retryAt())) {
            return hold(
                    w,
                    HoldReason.START_FAILED,
                    "the last start of the failover of " + primary + " did not start one; tried again at "
                            + w.retryAt());
        }
        PrimaryWatch handedOff =
                new PrimaryWatch(w.version(), downSince, true, w.runningSeenAt(), w.startedAt(), null, w.reported());
        String reason = "automatic: " + primary + " failing in every snapshot since " + downSince + " ("
                + Duration.ofMillis(downMillis).toSeconds() + " s, automatic down-for "
                + Duration.ofMillis(policy.downForMillis()) + "), snapshot " + snapshot.version() + ": "
                + decision.reason() + "; the workflow confirms and chooses the standby";
        return new Verdict(handedOff, Action.TRIGGER, null, reason, true);
    }

    private static Verdict hold(PrimaryWatch w, HoldReason reason, String detail) {
        boolean first = !w.reported().contains(reason);
        PrimaryWatch next = w;
        if (first) {
            Set<HoldReason> reported =
                    w.reported().isEmpty() ? EnumSet.noneOf(HoldReason.class) : EnumSet.copyOf(w.reported());
            reported.add(reason);
            next = new PrimaryWatch(
                    w.version(), w.downSince(), w.starting(), w.runningSeenAt(), w.startedAt(), w.retryAt(), reported);
        }
        return new Verdict(next, Action.HOLD, reason, detail, first);
    }
}
