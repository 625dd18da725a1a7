package io.pgactive.tools.contract.failover;

/** Where a resync is. COMPLETED and FAILED are final. */
public enum ResyncPhase {
    REBUILDING,
    AWAITING_STREAMING,
    COMPLETED,
    FAILED;

    public boolean terminal() {
        return this == COMPLETED || this == FAILED;
    }
}
