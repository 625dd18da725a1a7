package io.pgactive.tools.workflow.guard;

import io.pgactive.tools.contract.guard.GuardPolicy;
import io.pgactive.tools.contract.guard.GuardState;

/**
 * How a guard run starts. {@code carried} is the previous run's state when a run continues as new, {@code null} for a
 * fresh guard (which reads the gate's real state first).
 */
public record GuardInput(String gate, String node, GuardPolicy policy, GuardState carried) {

    public GuardInput carrying(GuardState state) {
        return new GuardInput(gate, node, policy, state);
    }
}
