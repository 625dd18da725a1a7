package io.pgactive.tools.contract.failover;

/** A failover as Temporal knows it: {@code status} is the execution's, {@code progress} the workflow's own. */
public record FailoverView(String id, String primary, String status, Boolean running, FailoverProgress progress) {}
