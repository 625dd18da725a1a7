package io.pgactive.tools.snapshot;

import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one scrape cycle learnt about one node: either fresh values or a failure. This is the assembler's input
 * contract; whoever collects builds these and nothing else.
 *
 * @param error       redacted, human-readable cause of a failure ({@code null} on success)
 * @param errorClass  a small closed vocabulary for metrics and alerts: {@code timeout}, {@code connect},
 *                    {@code auth}, {@code query} (a node in back-off keeps
 *                    the class of its last real error)
 */
public record NodeObservation(
        String name,
        boolean success,
        String error,
        String errorClass,
        Instant readAt,
        List<String> roles,
        String serverVersion,
        String pgactiveVersion,
        NodeMetrics metrics,
        List<Link> links,
        Map<String, Object> custom,
        Map<String, String> customErrors) {

    public static NodeObservation failure(String name, String errorClass, String error) {
        return new NodeObservation(
                name, false, error, errorClass, null, List.of(), null, null, null, List.of(), Map.of(), Map.of());
    }
}
