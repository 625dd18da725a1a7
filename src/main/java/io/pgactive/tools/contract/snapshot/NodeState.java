package io.pgactive.tools.contract.snapshot;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node in a snapshot. When the latest scrape failed, {@code metrics}, {@code links} and {@code custom} are the
 * last good values, {@code readAt} says when they were read and {@code error} says why they are not fresh.
 *
 * @param reasons       human-readable causes of a status worse than HEALTHY
 * @param customErrors  custom metrics whose query failed on this node, with the (redacted) error
 */
public record NodeState(
        String name,
        NodeStatus status,
        List<String> roles,
        List<String> reasons,
        Instant lastSuccessAt,
        int consecutiveFailures,
        String error,
        String errorClass,
        Instant readAt,
        String serverVersion,
        String pgactiveVersion,
        NodeMetrics metrics,
        List<Link> links,
        Map<String, Object> custom,
        Map<String, String> customErrors) {

    public NodeState {
        roles = List.copyOf(roles);
        reasons = List.copyOf(reasons);
        links = List.copyOf(links);
        custom = custom == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(custom));
        customErrors = customErrors == null ? Map.of() : Map.copyOf(customErrors);
    }
}
