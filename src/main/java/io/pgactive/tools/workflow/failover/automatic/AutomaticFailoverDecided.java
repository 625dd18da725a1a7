package io.pgactive.tools.workflow.failover.automatic;

/**
 * A CDI event: the policy started a failover of {@code primary} ({@code held} null), or held back for a reason it had
 * not reported yet in this outage.
 */
public record AutomaticFailoverDecided(String primary, HoldReason held) {}
