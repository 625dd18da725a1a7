package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.upgrade.UpgradeProgress;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Upgrades one node to a newer PostgreSQL major version: provisions a target, replicates to it, moves traffic in
 * health-checked steps, cuts over with the path back kept open, and decommissions the source once approved. One run
 * per source node, with the workflow id {@link #workflowId(String)}; rollback is possible until the source is
 * detached.
 */
@WorkflowInterface
public interface RollingUpgrade {

    String TYPE = "RollingUpgrade";

    static String workflowId(String source) {
        return "rolling-upgrade-" + source;
    }

    @WorkflowMethod(name = TYPE)
    UpgradeProgress run(UpgradeInput input);

    @QueryMethod(name = "progress")
    UpgradeProgress progress();

    /** Rollback for alerting hooks: fire and forget, durable once the server has it. */
    @SignalMethod(name = "rollbackSignal")
    void rollbackSignal(String reason);

    /** Rolls back and returns once traffic is back on the source (the rest of the cleanup continues afterwards). */
    @UpdateMethod(name = "rollback")
    UpgradeProgress rollback(String reason);

    @UpdateValidatorMethod(updateName = "rollback")
    void validateRollback(String reason);

    /** Lets a held upgrade (escalated, halted, failed health check) go on. */
    @UpdateMethod(name = "resume")
    UpgradeProgress resume(String reason);

    @UpdateValidatorMethod(updateName = "resume")
    void validateResume(String reason);

    /** Approves decommissioning the source after cutover. */
    @UpdateMethod(name = "approve")
    UpgradeProgress approve(String reason);

    @UpdateValidatorMethod(updateName = "approve")
    void validateApprove(String reason);
}
