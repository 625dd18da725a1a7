package io.pgactive.tools.contract.snapshot;

/** Node and cluster health, ordered from best known to worst; {@link #gauge()} is the exported 0–4 value. */
public enum NodeStatus {
    UNKNOWN(0),
    HEALTHY(1),
    DEGRADED(2),
    CRITICAL(3),
    DOWN(4);

    private final int gauge;

    NodeStatus(int gauge) {
        this.gauge = gauge;
    }

    public int gauge() {
        return gauge;
    }

    public NodeStatus worst(NodeStatus other) {
        return other.gauge > gauge ? other : this;
    }
}
