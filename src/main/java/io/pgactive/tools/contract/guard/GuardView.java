package io.pgactive.tools.contract.guard;

/**
 * A guard as the API shows it: its configuration, the node's lag in the latest snapshot (the guard itself only hears
 * of band changes, and of the figure once a minute), whether its workflow runs ({@code null}: unknown, Temporal
 * cannot be asked) and its status when it does. Plain data, read by the SDK too.
 */
public record GuardView(
        String gate,
        String node,
        String database,
        String pgbouncer,
        NodeNow nodeNow,
        String workflowId,
        Boolean running,
        GuardStatus status) {

    /** The guarded node in the latest snapshot: what the guard will hear next. */
    public record NodeNow(long version, Double lagSeconds, Band band, String status) {}
}
