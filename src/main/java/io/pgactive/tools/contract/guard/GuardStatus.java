package io.pgactive.tools.contract.guard;

/** The answer to a guard's status query: which gate and node, the policy in force and the state. */
public record GuardStatus(String gate, String node, GuardPolicy policy, GuardState state, boolean stopping) {}
