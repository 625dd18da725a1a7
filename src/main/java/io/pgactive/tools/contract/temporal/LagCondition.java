package io.pgactive.tools.contract.temporal;

import java.util.List;

/**
 * "These nodes (all when empty) lag less than {@code maxLagSeconds} for {@code holdMillis}": what the waiting activity
 * waits for.
 */
public record LagCondition(List<String> nodes, double maxLagSeconds, long holdMillis) {

    public LagCondition {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }
}
