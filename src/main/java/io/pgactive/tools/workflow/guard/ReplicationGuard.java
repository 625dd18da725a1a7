package io.pgactive.tools.workflow.guard;

import io.pgactive.tools.contract.guard.GuardStatus;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Pauses writes to one database while its node's replication lag is too high and resumes them when it recovers. One
 * run per gate, with the workflow id {@link #workflowId(String)}; it runs until stopped, continuing as new to keep its
 * history short.
 */
@WorkflowInterface
public interface ReplicationGuard {

    String TYPE = "ReplicationGuard";

    static String workflowId(String gate) {
        return "replication-guard-" + gate;
    }

    @WorkflowMethod(name = TYPE)
    void guard(GuardInput input);

    /** A new lag reading for the guarded node. */
    @SignalMethod(name = "lag")
    void lag(LagReading reading);

    /** Ends the guard; writes it paused are resumed first, so a stopped guard never leaves a database paused. */
    @SignalMethod(name = "stop")
    void stop(String reason);

    @QueryMethod(name = "status")
    GuardStatus status();

    /** Applies an operator's override and returns the status once the gate is in the wanted state. */
    @UpdateMethod(name = "override")
    GuardStatus override(GuardOverride override);

    @UpdateValidatorMethod(updateName = "override")
    void validateOverride(GuardOverride override);
}
