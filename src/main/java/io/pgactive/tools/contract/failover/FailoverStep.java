package io.pgactive.tools.contract.failover;

import io.pgactive.tools.contract.EventType;

/**
 * One recorded step of a failover, as it goes into the history store ({@code type} is one of the event types of
 * {@link EventType}; a string here, as in the workflow's recorded history) and into the workflow's progress.
 *
 * @param lagBytes the WAL the promoted standby may lack, -1 when unknown or not applicable
 */
public record FailoverStep(
        long atMillis, String failoverId, String type, String primary, String standby, long lagBytes, String message) {

    public static final String STARTED = "failover_started";
    public static final String FENCED = "fenced";
    public static final String PROMOTED = "promoted";
    public static final String TRAFFIC_REPOINTED = "traffic_repointed";
    /** The promoted node's {@code synchronous_standby_names}, set (or kept) before traffic reaches it. */
    public static final String SYNC_CONFIGURED = "sync_configured";

    /** The failover started the resync of the old primary it was asked for (it runs on as its own workflow). */
    public static final String RESYNC_STARTED = "resync_started";

    public static final String RESYNCED = "resynced";
    public static final String FAILED = "failover_failed";

    /** The history event type of this step. */
    public EventType eventType() {
        return EventType.fromWire(type)
                .orElseThrow(() -> new IllegalStateException("not a failover step type: " + type));
    }
}
