package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.failover.FailoverRequest;

/** The workflow's input: its id (derived from the primary), the request and the limits it keeps while it runs. */
public record FailoverInput(String id, FailoverRequest request, FailoverPolicy policy) {}
