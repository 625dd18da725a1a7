package io.pgactive.tools.workflow.upgrade;

import java.util.Optional;

/**
 * The three ports an upgrade of one source node works through. Built by {@link UpgradePortsProducer} from the
 * {@code upgrade:} section; absent when that section (or the node's route) is missing.
 */
public record UpgradePorts(DatabaseProvisioner provisioner, ReplicationGroup replication, TrafficRouter router) {

    /** The ports for upgrading {@code sourceNode}, or why there are none. */
    public interface Factory {

        Optional<UpgradePorts> forSource(String sourceNode);

        /** Why {@link #forSource} is empty for this node: one line naming the missing configuration. */
        String whyNot(String sourceNode);
    }
}
