package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.failover.FailoverRequest;

/**
 * The workflow's input: its id (derived from the primary), the request and the limits it keeps while it runs.
 *
 * @param resync the resync of the old primary to start once the failover completes, its new primary left out (the
 *     failover chooses it); null when not asked for, and in failovers started before it existed
 */
public record FailoverInput(String id, FailoverRequest request, FailoverPolicy policy, ResyncInput resync) {

    public FailoverInput(String id, FailoverRequest request, FailoverPolicy policy) {
        this(id, request, policy, null);
    }
}
