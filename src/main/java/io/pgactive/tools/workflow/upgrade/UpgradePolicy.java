package io.pgactive.tools.workflow.upgrade;

/**
 * The configured limits an upgrade runs under, as plain numbers the workflow carries (workflow inputs must stay
 * readable by every version of the workflow code).
 *
 * @param lagThresholdBytes        replication lag (bytes not yet applied on the other side) that counts as in sync
 * @param escalateAfterMillis      lag above the threshold this long escalates and holds shifting for the operator
 * @param syncHoldMillis           lag must stay under the threshold this long before traffic moves
 * @param syncTimeoutMillis        the whole WaitForSync phase; past it the upgrade is held for the operator
 * @param syncChunkMillis          how long one WaitForSync activity watches before it reports back
 * @param pollMillis               the pause between two WaitForSync activities and between held checks
 * @param soakMillis               how long each traffic step runs before its health check
 * @param cutoverBudgetMillis      how long the cutover may hold clients waiting for the target to catch up
 * @param decommissionDelayMillis  after cutover, decommission by itself after this long; 0 waits for an approval
 * @param historyLimit             the history length after which a run continues as new
 */
public record UpgradePolicy(
        long lagThresholdBytes,
        long escalateAfterMillis,
        long syncHoldMillis,
        long syncTimeoutMillis,
        long syncChunkMillis,
        long pollMillis,
        long soakMillis,
        long cutoverBudgetMillis,
        long decommissionDelayMillis,
        int historyLimit) {

    public static final UpgradePolicy DEFAULT = new UpgradePolicy(
            16L * 1024 * 1024,
            15 * 60_000L,
            10_000L,
            24 * 3_600_000L,
            2 * 60_000L,
            10_000L,
            60_000L,
            30_000L,
            0L,
            2_000);
}
