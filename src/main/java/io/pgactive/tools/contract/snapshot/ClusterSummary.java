package io.pgactive.tools.contract.snapshot;

/** Cluster status is the worst node status; {@code maxLagSeconds} is over nodes with a known lag. */
public record ClusterSummary(NodeStatus status, int nodesTotal, int nodesHealthy, Double maxLagSeconds) {}
