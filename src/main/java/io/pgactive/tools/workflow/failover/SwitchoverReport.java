package io.pgactive.tools.workflow.failover;

import java.util.List;

/**
 * What the held part of a planned switchover did ({@link FailoverActivities#switchover}), for the workflow to record
 * once the clients go on again.
 *
 * @param steps     the steps done, in order, each with when it was done ({@code fenced}, {@code promoted},
 *                  {@code sync_configured}, {@code traffic_repointed})
 * @param failure   why the switchover ended short, with what was undone and whether clients were released; null when
 *                  traffic points at the new primary
 * @param promoted  whether the standby was promoted (writable)
 * @param syncProblem why the new primary's synchronous standbys could not be set, with the command to run; null when
 *                  they were
 */
public record SwitchoverReport(List<Done> steps, String failure, boolean promoted, String syncProblem) {

    /** One step done while clients were held. */
    public record Done(String type, long atMillis, String message) {}
}
