package io.pgactive.tools.workflow.upgrade.aws;

import io.pgactive.tools.workflow.upgrade.local.DsnResolver;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the RDS ports find and create instances.
 *
 * @param instanceIds     RDS DB instance identifier of each configured node whose identifier differs from its name
 * @param sources         the configured nodes' DSNs: a target's master user and password are the source's, so that
 *                        its credentials can be derived again after a restart without storing them anywhere
 * @param parameterGroupPrefix name prefix of the parameter groups created for targets ({@code <prefix>-postgres17})
 * @param pollFirst       first pause between two DescribeDBInstances while waiting for an instance
 * @param pollMax         longest pause (the pause doubles up to it)
 * @param waitTimeout     how long one call waits for an instance; past it the call fails as retryable and a repeated
 *                        call picks the same instance up again
 */
public record RdsSettings(
        Map<String, String> instanceIds,
        DsnResolver sources,
        String parameterGroupPrefix,
        Duration pollFirst,
        Duration pollMax,
        Duration waitTimeout) {

    /** RDS's rule for parameter group names, checked here so that a bad prefix fails at start-up. */
    private static final Pattern GROUP_PREFIX = Pattern.compile("[a-zA-Z](?:-?[a-zA-Z0-9]){0,200}");

    public RdsSettings {
        instanceIds = Map.copyOf(instanceIds);
        Objects.requireNonNull(sources, "sources");
        if (!GROUP_PREFIX.matcher(parameterGroupPrefix).matches()) {
            throw new IllegalArgumentException("parameter group prefix must be letters, digits and single hyphens");
        }
        if (pollFirst.isNegative() || pollMax.compareTo(pollFirst) < 0 || waitTimeout.isNegative()) {
            throw new IllegalArgumentException("polling: need 0 <= pollFirst <= pollMax and a positive wait timeout");
        }
    }

    /** Defaults: identifiers equal to node names, polling every 5 s up to 60 s, 14 min per call. */
    public static RdsSettings of(DsnResolver sources) {
        return new RdsSettings(
                Map.of(),
                sources,
                "pgactive-tools",
                Duration.ofSeconds(5),
                Duration.ofSeconds(60),
                Duration.ofMinutes(14));
    }

    public RdsSettings withInstanceIds(Map<String, String> ids) {
        return new RdsSettings(ids, sources, parameterGroupPrefix, pollFirst, pollMax, waitTimeout);
    }

    public RdsSettings withPolling(Duration first, Duration max, Duration timeout) {
        return new RdsSettings(instanceIds, sources, parameterGroupPrefix, first, max, timeout);
    }

    /** The RDS identifier of a configured node. */
    public String instanceId(String node) {
        return instanceIds.getOrDefault(node, node);
    }
}
