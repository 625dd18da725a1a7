package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.failover.FailoverStep;

/** A failover step was recorded (a CDI event the metrics observe). */
public record FailoverRecorded(FailoverStep step) {}
