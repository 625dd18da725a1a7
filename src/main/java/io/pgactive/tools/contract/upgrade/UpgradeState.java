package io.pgactive.tools.contract.upgrade;

import java.util.List;

/**
 * Everything an upgrade knows, as one value: what its {@code progress} query answers and what a run hands to the next
 * when it continues as new. Times are workflow time in epoch milliseconds (0: not yet).
 *
 * @param phase              where the upgrade is
 * @param hold               why it waits for an operator, NONE while it moves
 * @param holdReason         the reason in words while held
 * @param source             the source database, once validated
 * @param target             the target database, once provisioned
 * @param targetPercent      share of new connections on the target, as read back from the router
 * @param lastGoodPercent    the split the last passed health check was taken at
 * @param shiftsDone         traffic steps completed
 * @param reverseStarted     the path back (target → source) runs
 * @param lagBytes           the latest replication lag figure; {@code -1} unknown
 * @param lagAboveSince      since when lag is above the threshold (0: it is not)
 * @param syncSince          when the current WaitForSync phase began
 * @param applyErrorsSeen    apply errors accepted so far (by the operator's resume); more than these halts
 * @param lastHealth         the last health check
 * @param phaseSince         when the current phase began
 * @param cutoverAt          when traffic moved to the target for good (0: not yet)
 * @param approved           the operator approved decommissioning the source
 * @param rollbackReason     why a rollback was asked (null: none)
 * @param error              what stopped a failed upgrade
 * @param decisions          how many decisions were recorded
 * @param recent             the latest decisions, oldest first
 */
public record UpgradeState(
        UpgradePhase phase,
        UpgradeHold hold,
        String holdReason,
        DatabaseRef source,
        DatabaseRef target,
        int targetPercent,
        int lastGoodPercent,
        int shiftsDone,
        boolean reverseStarted,
        long lagBytes,
        long lagAboveSince,
        long syncSince,
        long applyErrorsSeen,
        HealthReport lastHealth,
        long phaseSince,
        long cutoverAt,
        boolean approved,
        String rollbackReason,
        String error,
        long decisions,
        List<UpgradeDecision> recent) {

    /** How many recent decisions the state keeps. */
    public static final int RECENT = 10;

    public UpgradeState {
        recent = recent == null ? List.of() : List.copyOf(recent);
    }
}
