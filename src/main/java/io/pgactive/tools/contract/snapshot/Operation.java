package io.pgactive.tools.contract.snapshot;

import java.time.Instant;
import java.util.List;

/**
 * A failover, resync or upgrade the service runs, or finished a short while ago, as the snapshot carries it: what a
 * {@code /watch} client needs to follow it without asking the workflow engine.
 *
 * @param kind      {@link #FAILOVER}, {@link #RESYNC} or {@link #UPGRADE}
 * @param id        the workflow id ({@code failover-node1}), the key of {@code GET /failovers/{id}} and the like
 * @param nodes     the nodes it acts on, the one it replaces or rebuilds first
 * @param step      the last step it recorded (an event type such as {@code promoted}) or the phase it is in
 * @param startedAt when the service saw it begin
 * @param updatedAt when {@code step} was reached
 * @param message   what the last step did or why it failed
 */
public record Operation(
        String kind,
        String id,
        List<String> nodes,
        String step,
        OperationState state,
        Instant startedAt,
        Instant updatedAt,
        String message) {

    public static final String FAILOVER = "failover";
    public static final String RESYNC = "resync";
    public static final String UPGRADE = "upgrade";

    public Operation {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }

    /** RUNNING until its last step; COMPLETED and FAILED are kept for a short while, then leave the snapshot. */
    public enum OperationState {
        RUNNING,
        COMPLETED,
        FAILED;

        public boolean finished() {
            return this != RUNNING;
        }
    }
}
