package io.pgactive.tools.contract.failover;

import java.util.List;

/**
 * What a failover did so far (its query and its result).
 *
 * @param decision        the rules' conclusion ({@code null} while deciding)
 * @param promoteMillis   from the start to the standby leaving recovery, -1 before
 * @param writableMillis  from the start to writes accepted through the router, -1 before
 */
public record FailoverProgress(
        String id,
        FailoverRequest request,
        FailoverPhase phase,
        FailoverDecision decision,
        List<FailoverStep> steps,
        long startedAtMillis,
        long promoteMillis,
        long writableMillis,
        String error) {

    public FailoverProgress {
        steps = List.copyOf(steps);
    }
}
