package io.pgactive.tools.workflow.guard;

import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.guard.Band;
import io.pgactive.tools.contract.guard.GuardPolicy;
import io.pgactive.tools.contract.guard.GuardState;
import java.util.Locale;

/**
 * The guard's decision, as a pure function of its state, policy and the time: what to do now, or when to look again.
 * Kept apart from the workflow so every rule can be read in one place and checked without a Temporal server. A gate
 * still {@link GateState#PAUSING} (waiting for transactions in flight) already holds new writes and counts as paused.
 */
public final class GuardRules {

    /** No timer needed: only a new reading or an operator can change the decision. */
    public static final long NEVER = Long.MAX_VALUE;

    public enum Action {
        NONE,
        PAUSE,
        RESUME,
        /** writes have been paused for {@code max_pause}: resume them and stop pausing until lag recovers */
        ESCALATE,
        /** lag recovered after an escalation: back to the rules */
        CLEAR
    }

    /** What to do now (with why), or, for {@link Action#NONE}, when the decision could next change. */
    public record Step(Action action, String reason, long wakeAtMillis) {

        static Step act(Action action, String reason) {
            return new Step(action, reason, 0);
        }

        static Step waitUntil(long at) {
            return new Step(Action.NONE, null, at);
        }
    }

    private GuardRules() {}

    public static Step next(GuardState s, GuardPolicy p, long now) {
        long heldFor = now - s.bandSinceMillis();
        long holdDue = s.bandSinceMillis() + p.holdMillis();
        return switch (s.mode()) {
            case HELD_PAUSED ->
                s.gate() == GateState.OPEN
                        ? Step.act(Action.PAUSE, "operator: " + s.overrideReason())
                        : Step.waitUntil(NEVER);
            case HELD_OPEN ->
                s.gate() != GateState.OPEN
                        ? Step.act(Action.RESUME, "operator: " + s.overrideReason())
                        : Step.waitUntil(NEVER);
            case ESCALATED -> {
                if (s.gate() != GateState.OPEN) {
                    yield Step.act(Action.RESUME, "escalated: writes are not kept paused past max_pause");
                }
                if (s.band() != Band.BELOW) {
                    yield Step.waitUntil(NEVER);
                }
                yield now >= holdDue
                        ? Step.act(
                                Action.CLEAR,
                                "lag " + seconds(s.lagSeconds()) + " below " + seconds(p.resumeBelowSeconds()) + " for "
                                        + heldFor + "ms")
                        : Step.waitUntil(holdDue);
            }
            case AUTO ->
                s.gate() == GateState.OPEN
                        ? whileOpen(s, p, now, heldFor, holdDue)
                        : whilePaused(s, p, now, heldFor, holdDue);
        };
    }

    private static Step whileOpen(GuardState s, GuardPolicy p, long now, long heldFor, long holdDue) {
        if (s.band() != Band.ABOVE) {
            return Step.waitUntil(NEVER);
        }
        return now >= holdDue
                ? Step.act(
                        Action.PAUSE,
                        "lag " + seconds(s.lagSeconds()) + " above " + seconds(p.pauseAboveSeconds()) + " for "
                                + heldFor + "ms")
                : Step.waitUntil(holdDue);
    }

    private static Step whilePaused(GuardState s, GuardPolicy p, long now, long heldFor, long holdDue) {
        long capDue = s.pausedSinceMillis() + p.maxPauseMillis();
        if (now >= capDue) {
            return Step.act(
                    Action.ESCALATE,
                    "writes paused for " + (now - s.pausedSinceMillis()) + "ms, max_pause is " + p.maxPauseMillis()
                            + "ms; lag " + seconds(s.lagSeconds()));
        }
        if (s.band() != Band.BELOW) {
            return Step.waitUntil(capDue);
        }
        return now >= holdDue
                ? Step.act(
                        Action.RESUME,
                        "lag " + seconds(s.lagSeconds()) + " below " + seconds(p.resumeBelowSeconds()) + " for "
                                + heldFor + "ms")
                : Step.waitUntil(Math.min(holdDue, capDue));
    }

    private static String seconds(Double value) {
        return value == null ? "unknown" : String.format(Locale.ROOT, "%.1fs", value);
    }
}
