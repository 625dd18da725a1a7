package io.pgactive.tools.workflow.failover;

/**
 * One recorded step of a failover, as it goes into the history store ({@code type} is one of the event types of
 * {@link io.pgactive.tools.store.Event}) and into the workflow's progress.
 *
 * @param lagBytes the WAL the promoted standby may lack, -1 when unknown or not applicable
 */
public record FailoverStep(long atMillis, String failoverId, String type, String primary, String standby, long lagBytes,
                           String message) {

    public static final String STARTED = "failover_started";
    public static final String FENCED = "fenced";
    public static final String PROMOTED = "promoted";
    public static final String TRAFFIC_REPOINTED = "traffic_repointed";
    public static final String RESYNCED = "resynced";
    public static final String FAILED = "failover_failed";
}
