package io.pgactive.tools.store;

import java.time.Instant;

/**
 * One meaningful change between two consecutive snapshots.
 *
 * @param node    {@code null} for cluster-wide events
 * @param details a small JSON object with the figures behind the change, or {@code null}
 */
public record Event(Instant at, long version, String node, String type, String from, String to, String details) {

    public static final String NODE_JOINED = "node_joined";
    public static final String NODE_LEFT = "node_left";
    public static final String STATUS = "status";
    public static final String CLUSTER_STATUS = "cluster_status";
    public static final String LAG = "lag_threshold";
    public static final String CONFLICTS = "conflict_threshold";
    public static final String WALSENDER = "walsender";
    public static final String WALRECEIVER = "walreceiver";
    public static final String RECOVERY = "recovery";
    /** A write guard's decision: from/to are the gate states, details say why. */
    public static final String GUARD = "guard";
    /** A rolling upgrade's phase change or decision: from/to are the phases, details say why. */
    public static final String UPGRADE = "upgrade";
    /** A failover's steps: from is the old primary, to the standby promoted (or null), details say what and why. */
    public static final String FAILOVER_STARTED = "failover_started";
    public static final String FENCED = "fenced";
    public static final String PROMOTED = "promoted";
    public static final String TRAFFIC_REPOINTED = "traffic_repointed";
    public static final String RESYNCED = "resynced";
    public static final String FAILOVER_FAILED = "failover_failed";

    public static final java.util.Set<String> TYPES = java.util.Set.of(NODE_JOINED, NODE_LEFT, STATUS, CLUSTER_STATUS, LAG,
            CONFLICTS, WALSENDER, WALRECEIVER, RECOVERY, GUARD, UPGRADE, FAILOVER_STARTED, FENCED, PROMOTED,
            TRAFFIC_REPOINTED, RESYNCED, FAILOVER_FAILED);
}
