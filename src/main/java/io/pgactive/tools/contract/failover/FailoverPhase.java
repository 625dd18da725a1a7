package io.pgactive.tools.contract.failover;

/** Where a failover is. REFUSED, COMPLETED and FAILED are final. */
public enum FailoverPhase {
    DECIDING,
    FENCING,
    CATCHING_UP,
    PROMOTING,
    REPOINTING,
    COMPLETED,
    REFUSED,
    FAILED;

    public boolean terminal() {
        return this == COMPLETED || this == REFUSED || this == FAILED;
    }
}
