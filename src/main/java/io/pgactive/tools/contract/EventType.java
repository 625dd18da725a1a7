package io.pgactive.tools.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/** What an {@link Event} is about; {@link #wire()} is the name in JSON, in the history database and in filters. */
public enum EventType {
    NODE_JOINED("node_joined"),
    NODE_LEFT("node_left"),
    /** A node's status changed; from/to are the statuses. */
    STATUS("status"),
    CLUSTER_STATUS("cluster_status"),
    /** A node's lag crossed a threshold; from/to are the levels {@code ok}, {@code warn}, {@code crit}. */
    LAG_THRESHOLD("lag_threshold"),
    CONFLICT_THRESHOLD("conflict_threshold"),
    WALSENDER("walsender"),
    WALRECEIVER("walreceiver"),
    RECOVERY("recovery"),
    /** A write guard's decision: from/to are the gate states, details say why. */
    GUARD("guard"),
    /** A rolling upgrade's phase change or decision: from/to are the phases, details say why. */
    UPGRADE("upgrade"),
    /** A failover's steps: from is the old primary, to the standby promoted (or null), details say what and why. */
    FAILOVER_STARTED("failover_started"),
    FENCED("fenced"),
    PROMOTED("promoted"),
    TRAFFIC_REPOINTED("traffic_repointed"),
    /** The promoted node's synchronous_standby_names set after a failover; details hold the old and new value. */
    SYNC_CONFIGURED("sync_configured"),
    RESYNC_STARTED("resync_started"),
    RESYNCED("resynced"),
    FAILOVER_FAILED("failover_failed");

    private final String wire;

    EventType(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** The type whose wire name is {@code name}, empty for a name this release does not know. */
    public static Optional<EventType> fromWire(String name) {
        return Arrays.stream(values()).filter(t -> t.wire.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return wire;
    }
}
