package io.pgactive.tools.contract.failover;

/**
 * A node's {@code synchronous_standby_names} as an operator reads or sets it.
 *
 * @param value    the setting now (empty: commits wait for no standby)
 * @param previous the setting before a change; null when only read
 */
public record SynchronousStandbysView(String node, String value, String previous) {}
