package io.pgactive.tools.workflow.guard;

import io.pgactive.tools.contract.guard.Band;

/**
 * What the service tells a guard about its node: sent when the node's {@link Band} changes and, for the status, once
 * a minute. {@code version} is the snapshot it comes from.
 */
public record LagReading(long version, long observedAtMillis, Double lagSeconds, Band band, String nodeStatus) {}
