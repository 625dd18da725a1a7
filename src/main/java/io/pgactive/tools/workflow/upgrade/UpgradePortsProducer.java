package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.config.UpgradeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Builds the upgrade's ports from the {@code upgrade:} section: one provisioner and replication group for the service,
 * one router per configured route. Built lazily (the first upgrade of a node), so a service that never upgrades
 * opens no router connection.
 */
@ApplicationScoped
public class UpgradePortsProducer {

    /** Makes the implementations of {@code provisioner.kind}; empty until that kind's implementation is available. */
    interface Implementations {
        Optional<DatabaseProvisioner> provisioner(UpgradeConfig.Provisioner config);

        ReplicationGroup replication(DatabaseProvisioner provisioner);

        TrafficRouter router(UpgradeConfig.Route route);
    }

    /** Where the local implementations are plugged in (see {@code workflow.upgrade.local}). */
    static final Implementations LOCAL = new Implementations() {
        @Override
        public Optional<DatabaseProvisioner> provisioner(UpgradeConfig.Provisioner config) {
            return Optional.empty();
        }

        @Override
        public ReplicationGroup replication(DatabaseProvisioner provisioner) {
            throw new IllegalStateException("no local replication group in this build");
        }

        @Override
        public TrafficRouter router(UpgradeConfig.Route route) {
            throw new IllegalStateException("no local traffic router in this build");
        }
    };

    @Produces
    @Singleton
    UpgradePorts.Factory ports(ToolsConfig config) {
        return factory(config.upgrade(), LOCAL);
    }

    static UpgradePorts.Factory factory(UpgradeConfig upgrade, Implementations impl) {
        Optional<DatabaseProvisioner> provisioner = upgrade.provisioner().flatMap(impl::provisioner);
        Map<String, UpgradePorts> built = new ConcurrentHashMap<>();
        Function<String, UpgradePorts> build = node -> {
            UpgradeConfig.Route route = upgrade.route(node).orElseThrow();
            DatabaseProvisioner p = provisioner.orElseThrow();
            return new UpgradePorts(p, impl.replication(p), impl.router(route));
        };
        return new UpgradePorts.Factory() {
            @Override
            public Optional<UpgradePorts> forSource(String node) {
                if (provisioner.isEmpty() || upgrade.route(node).isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(built.computeIfAbsent(node, build));
            }

            @Override
            public String whyNot(String node) {
                if (upgrade.provisioner().isEmpty()) {
                    return "upgrades need upgrade.provisioner in the configuration";
                }
                if (provisioner.isEmpty()) {
                    return "provisioner kind '" + upgrade.provisioner().get().kind() + "' is not available in this build";
                }
                return upgrade.route(node).isEmpty() ? "no upgrade.routes entry for node '" + node + "'" : "available";
            }
        };
    }
}
