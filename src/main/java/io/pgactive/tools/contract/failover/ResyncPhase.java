package io.pgactive.tools.contract.failover;

/** Where a resync is. COMPLETED and FAILED are final. */
public enum ResyncPhase {
    /** A failover's old primary is awaited: it is rebuilt once it answers again. */
    AWAITING_NODE,
    REBUILDING,
    AWAITING_STREAMING,
    COMPLETED,
    FAILED;

    public boolean terminal() {
        return this == COMPLETED || this == FAILED;
    }
}
