package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.snapshot.NodeStatus;

/**
 * One standby of the primary as the latest snapshot shows it.
 *
 * @param readable     the service read it in its latest cycle (a standby it cannot see is never promoted)
 * @param inRecovery   it is still a standby
 * @param syncState    the primary's last word for it ({@code sync}, {@code quorum}, {@code potential}, {@code async})
 * @param wasStreaming the primary's last reading showed its WAL sender streaming
 * @param receivedLsn  WAL position received and flushed by the standby, -1 when unknown
 * @param replayLsn    WAL position replayed, -1 when unknown
 */
public record StandbyView(
        String node,
        NodeStatus status,
        boolean readable,
        boolean inRecovery,
        String syncState,
        boolean wasStreaming,
        long receivedLsn,
        long replayLsn) {

    public boolean synchronous() {
        return "sync".equals(syncState) || "quorum".equals(syncState);
    }
}
