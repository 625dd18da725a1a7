package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.snapshot.NodeStatus;

/**
 * The primary as the latest snapshot shows it.
 *
 * @param failingForMillis how long its scrapes have failed (0 while they succeed)
 * @param lastLsn          its last known WAL write position, -1 when never read
 */
public record PrimaryView(String node, NodeStatus status, boolean configured, long failingForMillis, long lastLsn) {

    public boolean failing() {
        return failingForMillis > 0 || status == NodeStatus.DOWN;
    }
}
