package io.pgactive.tools.contract.failover;

/** A resync as Temporal knows it: {@code status} is the execution's, {@code progress} the workflow's own. */
public record ResyncView(String id, String node, String status, Boolean running, ResyncProgress progress) {}
