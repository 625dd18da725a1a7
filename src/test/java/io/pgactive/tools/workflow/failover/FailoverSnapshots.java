package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Nodes and streaming links for snapshots that failover rules read, built the way the collector publishes them. */
public final class FailoverSnapshots {

    private FailoverSnapshots() {}

    /** A node last read at {@code lastSuccess}; a failing one ({@code failures > 0}) carries a connection error. */
    public static NodeState node(
            String name, NodeStatus status, int failures, Instant lastSuccess, NodeMetrics m, List<Link> links) {
        boolean failing = failures > 0;
        return new NodeState(
                name,
                status,
                List.of(),
                List.of(),
                lastSuccess,
                failures,
                failing ? "connection refused" : null,
                failing ? "connect" : null,
                lastSuccess,
                "16.1",
                null,
                m,
                links,
                Map.of(),
                Map.of());
    }

    public static NodeMetrics metrics(boolean inRecovery, String walLsn) {
        return new NodeMetrics(
                null, null, null, null, null, null, null, null, null, null, Map.of(), inRecovery, walLsn, null, null);
    }

    /** PostgreSQL's text form of a WAL position. */
    public static String lsn(long value) {
        return Long.toHexString(value >>> 32).toUpperCase() + "/"
                + Long.toHexString(value & 0xFFFF_FFFFL).toUpperCase();
    }

    /** The primary's side of a standby that received and replayed everything up to {@code sent}. */
    public static Link sender(String peer, String sync, String state, String sent) {
        return Link.outbound("streaming", peer)
                .state(state)
                .active(true)
                .syncState(sync)
                .lagBytes(0L)
                .positions(sent, sent, sent, sent)
                .build();
    }

    /** The standby's side: its WAL receiver in {@code state}, flushed and replayed up to the positions given. */
    public static Link receiver(String peer, String state, boolean active, String flush, String replay) {
        return Link.inbound("streaming", peer)
                .state(state)
                .active(active)
                .positions(null, flush, flush, replay)
                .build();
    }
}
