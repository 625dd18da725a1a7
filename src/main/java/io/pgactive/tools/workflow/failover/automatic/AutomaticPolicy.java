package io.pgactive.tools.workflow.failover.automatic;

import io.pgactive.tools.workflow.failover.FailoverPolicy;
import io.pgactive.tools.workflow.failover.FailoverSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The automatic failover settings as the trigger rules read them.
 *
 * @param primaries      the primaries the policy may act on (empty: none, even when enabled)
 * @param downForMillis  continuous failing time, over every published snapshot, before the policy acts
 * @param cooldownMillis after the policy started a failover of a primary, no other for it before this has passed
 * @param failover       the failover's own limits, whose rules choose the standby
 */
public record AutomaticPolicy(
        boolean enabled, Set<String> primaries, long downForMillis, long cooldownMillis, FailoverPolicy failover) {

    static final String PREFIX = "pgactive.failover.automatic.";
    static final Duration MAX_DOWN_FOR = Duration.ofHours(1);
    static final Duration MIN_COOLDOWN = Duration.ofMinutes(1);
    static final Duration MAX_COOLDOWN = Duration.ofDays(7);

    public AutomaticPolicy {
        primaries = Set.copyOf(primaries);
    }

    public boolean armed(String primary) {
        return enabled && primaries.contains(primary);
    }

    public static AutomaticPolicy of(FailoverSettings settings) {
        FailoverSettings.Automatic a = settings.automatic();
        Set<String> primaries = new LinkedHashSet<>();
        a.primaries()
                .ifPresent(list -> list.stream()
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .forEach(primaries::add));
        return new AutomaticPolicy(
                a.enabled(), primaries, a.downFor().toMillis(), a.cooldown().toMillis(), settings.policy());
    }

    /**
     * One line per setting that cannot work, {@code property: problem}; empty when the policy is usable or off.
     *
     * @param configured the names of the configured nodes
     */
    public List<String> problems(Set<String> configured) {
        List<String> problems = new ArrayList<>();
        if (!enabled) {
            // off, its settings change nothing; raising pgactive.failover.down-for alone must not stop the service
            return problems;
        }
        for (String p : primaries) {
            if (!configured.contains(p)) {
                problems.add(PREFIX + "primaries: no configured node is named '" + p + "'");
            }
        }
        if (downForMillis < failover.downForMillis()) {
            problems.add(PREFIX + "down-for: " + Duration.ofMillis(downForMillis)
                    + " is shorter than pgactive.failover.down-for (" + Duration.ofMillis(failover.downForMillis())
                    + "); the failover would refuse what the policy starts");
        } else if (downForMillis > MAX_DOWN_FOR.toMillis()) {
            problems.add(PREFIX + "down-for: at most " + MAX_DOWN_FOR + ", got " + Duration.ofMillis(downForMillis));
        }
        if (cooldownMillis < MIN_COOLDOWN.toMillis() || cooldownMillis > MAX_COOLDOWN.toMillis()) {
            problems.add(PREFIX + "cooldown: between " + MIN_COOLDOWN + " and " + MAX_COOLDOWN + ", got "
                    + Duration.ofMillis(cooldownMillis));
        }
        return problems;
    }
}
