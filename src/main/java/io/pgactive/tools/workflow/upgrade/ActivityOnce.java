package io.pgactive.tools.workflow.upgrade;

import io.temporal.activity.ActivityInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers which scheduled activities already had their effect in this process, so that a retry of one that succeeded
 * (its completion lost, or reported after its timeout) does not have it twice. A scheduled activity keeps its id across
 * retries and a new one gets a new id, so workflow id, run id and activity id name one decision of one run. Bounded:
 * retries come soon after the attempt they repeat, so the oldest keys can be forgotten.
 */
final class ActivityOnce {

    static final int REMEMBERED = 4096;

    private final Map<String, Boolean> seen = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** Whether an attempt of this scheduled activity already had its effect here. */
    synchronized boolean done(ActivityInfo info) {
        return seen.containsKey(key(info));
    }

    /** Called once an attempt has had its whole effect: later attempts of the same activity are retries of a success. */
    synchronized void markDone(ActivityInfo info) {
        seen.put(key(info), Boolean.TRUE);
    }

    private static String key(ActivityInfo info) {
        return info.getWorkflowId() + "/" + info.getRunId() + "/" + info.getActivityId();
    }
}
