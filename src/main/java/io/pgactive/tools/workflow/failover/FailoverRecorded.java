package io.pgactive.tools.workflow.failover;

/** A failover step was recorded (a CDI event the metrics observe). */
public record FailoverRecorded(FailoverStep step) {}
