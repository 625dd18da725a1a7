package io.pgactive.tools.contract.upgrade;

/** Why an upgrade stands still waiting for an operator ({@code resume} or {@code rollback}); NONE while it moves. */
public enum UpgradeHold {
    NONE,
    /** replication lag stayed above the threshold for {@code escalate_after} (or sync never came) */
    ESCALATED,
    /** replication reported apply errors or conflicts: an operator must look before anything moves */
    HALTED,
    /** a health check failed; traffic went back to the last good split */
    HEALTH_CHECK_FAILED
}
