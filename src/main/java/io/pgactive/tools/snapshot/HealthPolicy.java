package io.pgactive.tools.snapshot;

import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns a node's fresh values and its failure streak into a status: DEGRADED for anything that needs a look (lag or
 * conflicts above their warning thresholds, a replication problem, a short failure streak), CRITICAL when lag passes
 * its critical threshold, DOWN after a long failure streak, HEALTHY otherwise. Each status comes with its reasons.
 *
 * @param degradedAfterFailures consecutive failed cycles after which a node is DEGRADED
 * @param downAfterFailures     consecutive failed cycles after which a node is DOWN
 */
public record HealthPolicy(
        double lagSecondsWarn,
        double lagSecondsCrit,
        double conflictsWarnPerMinute,
        int degradedAfterFailures,
        int downAfterFailures) {

    /** The state of a subscription whose apply error count rose within the last minute. */
    public static final String APPLY_ERRORS = "apply errors";

    /**
     * Failed cycles in a row after which a node is DEGRADED: one or two can be a blip (a restart, a dropped
     * connection); the collector also starts backing off and reconnecting from scratch at this point.
     */
    public static final int DEGRADED_AFTER_FAILURES = 3;

    /** Failed cycles in a row after which a node is DOWN. */
    public static final int DOWN_AFTER_FAILURES = 10;

    public static HealthPolicy of(double lagSecondsWarn, double lagSecondsCrit, double conflictsWarnPerMinute) {
        return new HealthPolicy(
                lagSecondsWarn, lagSecondsCrit, conflictsWarnPerMinute, DEGRADED_AFTER_FAILURES, DOWN_AFTER_FAILURES);
    }

    /** Status from fresh values alone, with the reasons for anything worse than HEALTHY. */
    public Verdict judge(NodeMetrics m, List<Link> links) {
        NodeStatus status = NodeStatus.HEALTHY;
        List<String> reasons = new ArrayList<>();
        if (m.lagSeconds() != null && m.lagSeconds() >= lagSecondsCrit) {
            status = NodeStatus.CRITICAL;
            reasons.add(String.format(Locale.ROOT, "lag %.1fs >= critical %.1fs", m.lagSeconds(), lagSecondsCrit));
        } else if (m.lagSeconds() != null && m.lagSeconds() >= lagSecondsWarn) {
            status = NodeStatus.DEGRADED;
            reasons.add(String.format(Locale.ROOT, "lag %.1fs >= warning %.1fs", m.lagSeconds(), lagSecondsWarn));
        }
        if (m.conflictCount() != null && conflictsWarnPerMinute > 0 && m.conflictCount() >= conflictsWarnPerMinute) {
            status = status.worst(NodeStatus.DEGRADED);
            reasons.add(String.format(
                    Locale.ROOT,
                    "%d conflicts in the last minute >= warning %s/min",
                    m.conflictCount(),
                    trim(conflictsWarnPerMinute)));
        }
        if (Boolean.FALSE.equals(m.walReceiverActive())) {
            status = status.worst(NodeStatus.DEGRADED);
            reasons.add("WAL receiver not streaming");
        }
        for (Link link : links) {
            String name = link.kind() + " " + link.direction() + " link " + link.peer()
                    + (link.slot() == null ? "" : " (slot " + link.slot() + ")");
            if (Boolean.FALSE.equals(link.active())) {
                status = status.worst(NodeStatus.DEGRADED);
                reasons.add(name + " inactive");
            } else if (Boolean.TRUE.equals(link.stalled())) {
                status = status.worst(NodeStatus.DEGRADED);
                reasons.add(name + " stalled");
            }
            if (APPLY_ERRORS.equals(link.state())) {
                // counted by the subscriber; the worker restarts between failures, so "inactive" alone would flap
                status = status.worst(NodeStatus.DEGRADED);
                reasons.add(name + " apply errors rising (" + link.applyErrors() + " in total)");
            }
        }
        return new Verdict(status, reasons);
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    public record Verdict(NodeStatus status, List<String> reasons) {}
}
