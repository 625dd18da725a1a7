package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.upgrade.HealthReport;
import io.pgactive.tools.contract.upgrade.UpgradeHold;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.contract.upgrade.UpgradeState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The upgrade's decisions as pure functions of its state, its policy and the time: whether a request is acceptable,
 * where traffic steps go, what a sync reading or a health check means, and which operator requests each phase
 * accepts. Kept apart from the workflow so the failure table can be read in one place and checked without Temporal.
 */
public final class UpgradeRules {

    /** No timer: only an operator can move the upgrade on. */
    public static final long NEVER = Long.MAX_VALUE;

    public static final int MAX_REASON = 500;

    static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,55}");
    static final Pattern TABLE_PATTERN = Pattern.compile("[A-Za-z0-9_*$]{1,63}\\.[A-Za-z0-9_*$]{1,63}");
    static final int MIN_VERSION = 10;
    static final int MAX_VERSION = 99;
    static final int MAX_TAGS = 50;

    public enum SyncAction {
        WAIT,
        SYNCED,
        ESCALATE,
        HALT
    }

    public enum HealthAction {
        PROCEED,
        ROLL_BACK_TO_LAST_GOOD,
        HALT
    }

    /** What a sync reading means, and since when lag has been above the threshold afterwards (0: it is not). */
    public record SyncVerdict(SyncAction action, String reason, long lagAboveSince) {}

    public record HealthVerdict(HealthAction action, String reason) {}

    private UpgradeRules() {}

    /** Everything wrong with a request, one line each; empty when it can start. */
    public static List<String> validate(UpgradeRequest r) {
        List<String> problems = new ArrayList<>();
        if (r == null) {
            return List.of("body: an upgrade request is required");
        }
        if (r.source() == null || r.source().isBlank()) {
            problems.add("source: is required (the node to upgrade)");
        } else if (!NODE_NAME.matcher(r.source()).matches()) {
            problems.add("source: invalid node name '" + r.source() + "'");
        }
        if (r.targetVersion() < MIN_VERSION || r.targetVersion() > MAX_VERSION) {
            problems.add(
                    "target_version: expected a PostgreSQL major version such as 17 or 18, got " + r.targetVersion());
        }
        int sum = 0;
        for (int i = 0; i < r.shifts().size(); i++) {
            Integer s = r.shifts().get(i);
            if (s == null || s < 1 || s > 100) {
                problems.add("shifts[" + i + "]: expected a percentage between 1 and 100, got " + s);
            } else {
                sum += s;
            }
        }
        if (sum > 100) {
            problems.add("shifts: the steps add up to " + sum + "%, more than 100%");
        }
        for (int i = 0; i < r.tables().size(); i++) {
            String t = r.tables().get(i);
            if (t == null || !TABLE_PATTERN.matcher(t).matches()) {
                problems.add("tables[" + i + "]: expected schema.table or a pattern such as sales.*, got '" + t + "'");
            }
        }
        if (r.instanceClass() != null && !r.instanceClass().matches("[A-Za-z0-9._-]{1,64}")) {
            problems.add("instance_class: invalid value '" + r.instanceClass() + "'");
        }
        if (r.tags().size() > MAX_TAGS) {
            problems.add("tags: at most " + MAX_TAGS + " tags");
        }
        for (Map.Entry<String, String> t : r.tags().entrySet()) {
            if (t.getKey().isBlank()
                    || t.getKey().length() > 128
                    || t.getValue() == null
                    || t.getValue().length() > 256) {
                problems.add("tags: '" + t.getKey() + "': keys are 1 to 128 characters, values at most 256");
            }
        }
        return problems;
    }

    /** The traffic steps as cumulative percentages on the target, those below 100 (the cutover moves the rest). */
    public static List<Integer> steps(List<Integer> shifts) {
        List<Integer> out = new ArrayList<>();
        int total = 0;
        for (Integer s : shifts) {
            total = Math.min(100, total + (s == null ? 0 : s));
            if (total < 100 && (out.isEmpty() || out.get(out.size() - 1) < total)) {
                out.add(total);
            }
        }
        return out;
    }

    /**
     * What a WaitForSync reading means. In order: new apply errors halt (an operator must look before anything moves);
     * lag above the threshold (or unknown, or a node unreadable) for {@code escalateAfter}, or no sync within the sync
     * timeout, escalates; a reading in sync is synced; anything else waits. An upgrade already held is not escalated
     * again.
     */
    public static SyncVerdict onSync(SyncReading r, UpgradeState s, UpgradePolicy p, long now) {
        boolean above = r.lagBytes() < 0 || r.lagBytes() > p.lagThresholdBytes() || !r.nodesHealthy();
        long aboveSince = r.inSync() || !above ? 0 : s.lagAboveSince() == 0 ? now : s.lagAboveSince();
        if (r.applyErrors() > s.applyErrorsSeen()) {
            return new SyncVerdict(
                    SyncAction.HALT,
                    "replication reported " + (r.applyErrors() - s.applyErrorsSeen())
                            + " new apply error(s) or conflict(s): " + r.detail(),
                    aboveSince);
        }
        if (s.hold() == UpgradeHold.NONE) {
            if (aboveSince != 0 && now - aboveSince >= p.escalateAfterMillis()) {
                return new SyncVerdict(
                        SyncAction.ESCALATE,
                        "replication lag " + bytes(r.lagBytes()) + " above "
                                + bytes(p.lagThresholdBytes()) + (r.nodesHealthy() ? "" : " or a node unreadable")
                                + " for "
                                + minutes(now - aboveSince),
                        aboveSince);
            }
            if (!r.inSync() && s.syncSince() > 0 && now - s.syncSince() >= p.syncTimeoutMillis()) {
                return new SyncVerdict(
                        SyncAction.ESCALATE,
                        "not in sync after " + minutes(now - s.syncSince()) + " (lag " + bytes(r.lagBytes()) + ")",
                        aboveSince);
            }
        }
        return r.inSync()
                ? new SyncVerdict(
                        SyncAction.SYNCED, "lag " + bytes(r.lagBytes()) + " under " + bytes(p.lagThresholdBytes()), 0)
                : new SyncVerdict(SyncAction.WAIT, r.detail(), aboveSince);
    }

    /**
     * What a health check after a traffic step means: new apply errors halt (moving traffic back could lose the
     * conflicting writes' context; an operator decides), any other failure puts traffic back on the last good split.
     */
    public static HealthVerdict onHealth(HealthReport h, UpgradeState s) {
        if (h.applyErrors() > s.applyErrorsSeen()) {
            return new HealthVerdict(
                    HealthAction.HALT,
                    "replication reported " + (h.applyErrors() - s.applyErrorsSeen())
                            + " new apply error(s) or conflict(s)");
        }
        if (!h.healthy()) {
            return new HealthVerdict(
                    HealthAction.ROLL_BACK_TO_LAST_GOOD,
                    "health check failed at " + s.targetPercent() + "% on the target: "
                            + String.join("; ", h.problems()) + "; back to " + s.lastGoodPercent() + "%");
        }
        return new HealthVerdict(HealthAction.PROCEED, "healthy at " + s.targetPercent() + "% on the target");
    }

    /** Why a rollback is refused now, or null when it is accepted. */
    public static String rollbackRefusal(UpgradeState s, String reason) {
        String bad = reasonProblem(reason);
        if (bad != null) {
            return bad;
        }
        return switch (s.phase()) {
            case COMPLETED -> "the upgrade is complete and the source decommissioned: nothing to roll back to";
            case ROLLED_BACK -> "the upgrade is already rolled back";
            case FAILED -> "the upgrade failed and was cleaned up: " + s.error();
            case DETACHING_OLD, DECOMMISSIONING -> "the source is being detached: the path back is gone";
            default -> null;
        };
    }

    /** Why a resume is refused now, or null when it is accepted. */
    public static String resumeRefusal(UpgradeState s, String reason) {
        String bad = reasonProblem(reason);
        if (bad != null) {
            return bad;
        }
        if (s.phase().terminal() || s.phase() == UpgradePhase.ROLLING_BACK) {
            return "the upgrade is " + s.phase().name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
        return s.hold() == UpgradeHold.NONE ? "nothing to resume: the upgrade is not held" : null;
    }

    /** Why an approval is refused now, or null when it is accepted (an approval may come before cutover). */
    public static String approveRefusal(UpgradeState s, String reason, boolean rollbackRequested) {
        String bad = reasonProblem(reason);
        if (bad != null) {
            return bad;
        }
        if (rollbackRequested
                || s.phase() == UpgradePhase.ROLLING_BACK
                || s.phase().terminal()) {
            return "the upgrade is "
                    + (rollbackRequested
                            ? "rolling back"
                            : s.phase().name().toLowerCase(Locale.ROOT).replace('_', ' '));
        }
        if (s.approved() || s.phase().ordinal() > UpgradePhase.AWAITING_APPROVAL.ordinal()) {
            return "already approved";
        }
        return null;
    }

    /** When the source is decommissioned without an approval: {@link #NEVER} unless a delay is configured. */
    public static long decommissionDueAt(UpgradeState s, UpgradePolicy p) {
        if (s.approved()) {
            return s.cutoverAt();
        }
        return p.decommissionDelayMillis() > 0 && s.cutoverAt() > 0
                ? s.cutoverAt() + p.decommissionDelayMillis()
                : NEVER;
    }

    /** How much of the upgrade is done, 0–100: the phase's share, and within the traffic steps the split reached. */
    public static int percent(UpgradeState s) {
        UpgradePhase p = s.phase();
        if (p == UpgradePhase.SHIFTING_TRAFFIC) {
            int span = UpgradePhase.CUTTING_OVER.percent - UpgradePhase.SHIFTING_TRAFFIC.percent;
            return p.percent + span * Math.max(0, Math.min(100, s.lastGoodPercent())) / 100;
        }
        return p.percent;
    }

    private static String reasonProblem(String reason) {
        if (reason == null || reason.isBlank()) {
            return "a reason is required: it goes into the upgrade's record";
        }
        return reason.length() > MAX_REASON ? "reason is longer than " + MAX_REASON + " characters" : null;
    }

    static String bytes(long b) {
        if (b < 0) {
            return "unknown";
        }
        return b >= 1024 * 1024 ? (b / (1024 * 1024)) + " MiB" : b >= 1024 ? (b / 1024) + " KiB" : b + " B";
    }

    private static String minutes(long millis) {
        return millis >= 60_000 ? (millis / 60_000) + " min" : (millis / 1000) + " s";
    }
}
