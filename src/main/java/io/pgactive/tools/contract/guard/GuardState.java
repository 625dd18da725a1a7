package io.pgactive.tools.contract.guard;

import io.pgactive.tools.contract.gate.GateState;
import java.util.List;

/**
 * Everything a guard knows, as one value: what its status query answers and what a run hands to the next when it
 * continues as new. Times are workflow time in epoch milliseconds; {@code bandSinceMillis} is when the current band
 * was first seen, {@code pausedSinceMillis} when writes were last paused (0 while open); {@code overrideReason} is
 * the operator's reason while an override holds.
 */
public record GuardState(
        GateState gate,
        GuardMode mode,
        Band band,
        Double lagSeconds,
        long lagVersion,
        long lagObservedAtMillis,
        long bandSinceMillis,
        long pausedSinceMillis,
        String lastError,
        long decisions,
        List<GuardDecision> recent,
        String overrideReason) {

    /** How many recent decisions the status keeps. */
    public static final int RECENT = 10;

    public GuardState {
        recent = List.copyOf(recent);
    }
}
