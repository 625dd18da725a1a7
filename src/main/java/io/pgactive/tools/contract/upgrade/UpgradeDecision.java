package io.pgactive.tools.contract.upgrade;

/**
 * One thing an upgrade did or decided, with why: recorded as an {@code upgrade} event in the history and kept in the
 * upgrade's progress.
 *
 * @param action e.g. {@code started}, {@code phase}, {@code shift}, {@code escalate}, {@code halt}, {@code resume},
 *               {@code health_check_failed}, {@code rollback}, {@code rolled_back}, {@code completed}, {@code failed}
 * @param fromMillis how long the upgrade had been in {@code from} when it left it (0 when the phase did not change)
 */
public record UpgradeDecision(
        long atMillis,
        UpgradePhase from,
        UpgradePhase to,
        String action,
        String reason,
        int targetPercent,
        long lagBytes,
        long fromMillis) {}
