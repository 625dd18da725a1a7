package io.pgactive.tools.cli;

import io.pgactive.tools.contract.snapshot.NodeStatus;

/**
 * A check's outcome with its Nagios / check_postgres exit code. {@link #rank} orders them for "the worst of several":
 * a CRITICAL node outranks an unreachable one, so one DOWN node cannot hide a critical lag elsewhere.
 */
enum Result {
    OK(0, 0),
    WARNING(1, 1),
    CRITICAL(2, 3),
    UNKNOWN(3, 2);

    final int exitCode;
    final int rank;

    Result(int exitCode, int rank) {
        this.exitCode = exitCode;
        this.rank = rank;
    }

    Result worst(Result other) {
        return other.rank > rank ? other : this;
    }

    /** The service's own verdict on a node: DEGRADED is a warning, DOWN and UNKNOWN cannot be judged. */
    static Result of(NodeStatus status) {
        return switch (status) {
            case HEALTHY -> OK;
            case DEGRADED -> WARNING;
            case CRITICAL -> CRITICAL;
            case DOWN, UNKNOWN -> UNKNOWN;
        };
    }
}
