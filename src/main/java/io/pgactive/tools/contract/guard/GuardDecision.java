package io.pgactive.tools.contract.guard;

import io.pgactive.tools.contract.gate.GateState;

/**
 * One thing the guard did, with why: what the service records as an event and shows in the guard's status.
 *
 * @param action   {@code pause}, {@code resume}, {@code escalate}, {@code clear}, {@code override}, {@code drift},
 *                 {@code failed}, {@code started} or {@code stopped}
 * @param version  the snapshot version of the lag reading the decision rests on (0 when none)
 */
public record GuardDecision(
        long atMillis,
        String action,
        GateState from,
        GateState to,
        GuardMode mode,
        String reason,
        Double lagSeconds,
        long version) {}
