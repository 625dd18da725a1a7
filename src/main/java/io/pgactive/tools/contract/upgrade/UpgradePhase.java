package io.pgactive.tools.contract.upgrade;

/**
 * The phases of an upgrade in order, with the share of the work done once a phase is reached (for progress bars),
 * followed by the ends an upgrade can come to.
 */
public enum UpgradePhase {
    VALIDATING(0),
    PROVISIONING(2),
    CONFIGURING(15),
    INSTALLING(18),
    INITIALIZING_REPLICATION(20),
    WAITING_FOR_SYNC(40),
    SHIFTING_TRAFFIC(55),
    CUTTING_OVER(80),
    AWAITING_APPROVAL(85),
    DETACHING_OLD(90),
    DECOMMISSIONING(95),
    COMPLETED(100),
    ROLLING_BACK(0),
    ROLLED_BACK(100),
    FAILED(100);

    public final int percent;

    UpgradePhase(int percent) {
        this.percent = percent;
    }

    public boolean terminal() {
        return this == COMPLETED || this == ROLLED_BACK || this == FAILED;
    }

    /** A target database may exist from this phase on, so a rollback or a stop must remove it. */
    public boolean targetMayExist() {
        return ordinal() >= PROVISIONING.ordinal() && ordinal() <= DECOMMISSIONING.ordinal();
    }

    /** Traffic has moved to the target, or all of it has. */
    public boolean afterCutover() {
        return this == AWAITING_APPROVAL || this == DETACHING_OLD || this == DECOMMISSIONING || this == COMPLETED;
    }
}
