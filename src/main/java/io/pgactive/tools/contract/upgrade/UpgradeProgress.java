package io.pgactive.tools.contract.upgrade;

/**
 * The {@code progress} query's answer: small, read from the workflow's memory (no I/O).
 *
 * @param percent       how much of the upgrade is done, 0–100
 * @param targetPercent share of new connections on the target
 * @param lagBytes      the latest replication lag; {@code -1} unknown
 */
public record UpgradeProgress(
        String upgradeId,
        UpgradeRequest request,
        UpgradePhase phase,
        int percent,
        UpgradeHold hold,
        String holdReason,
        int targetPercent,
        long lagBytes,
        HealthReport lastHealthCheck,
        UpgradeState state) {}
