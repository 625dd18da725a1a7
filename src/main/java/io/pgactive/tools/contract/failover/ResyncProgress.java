package io.pgactive.tools.contract.failover;

import java.util.List;

/**
 * What a resync did so far (its query and its result).
 *
 * @param streamingMillis from the start to the node seen streaming, -1 before
 */
public record ResyncProgress(
        String id,
        String node,
        String newPrimary,
        ResyncPhase phase,
        List<FailoverStep> steps,
        long startedAtMillis,
        long streamingMillis,
        String error) {

    public ResyncProgress {
        steps = List.copyOf(steps);
    }
}
