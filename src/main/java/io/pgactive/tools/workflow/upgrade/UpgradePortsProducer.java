package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.config.UpgradeConfig;
import io.pgactive.tools.workflow.NodeDsns;
import io.pgactive.tools.workflow.upgrade.aws.PgactiveReplicationGroup;
import io.pgactive.tools.workflow.upgrade.aws.RdsClients;
import io.pgactive.tools.workflow.upgrade.aws.RdsDatabaseProvisioner;
import io.pgactive.tools.workflow.upgrade.aws.RdsSettings;
import io.pgactive.tools.workflow.upgrade.local.DsnResolver;
import io.pgactive.tools.workflow.upgrade.local.HaproxyRouterSettings;
import io.pgactive.tools.workflow.upgrade.local.HaproxyTrafficRouter;
import io.pgactive.tools.workflow.upgrade.local.LocalPostgresProvisioner;
import io.pgactive.tools.workflow.upgrade.local.LocalPostgresSettings;
import io.pgactive.tools.workflow.upgrade.local.LogicalReplicationGroup;
import io.pgactive.tools.workflow.upgrade.local.LogicalReplicationSettings;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Builds the upgrade's ports from the {@code upgrade:} section: one provisioner and one replication group for the
 * service, one router per configured route. Built lazily (the first upgrade of a node), so a service that never
 * upgrades starts no process and opens no connection for them.
 */
@ApplicationScoped
public class UpgradePortsProducer {

    /** Makes the implementations of {@code provisioner.kind}. */
    interface Implementations {
        DatabaseProvisioner provisioner(UpgradeConfig.Provisioner config, DsnResolver sources);

        ReplicationGroup replication(UpgradeConfig.Provisioner config, DsnResolver dsns);

        TrafficRouter router(UpgradeConfig.Route route);
    }

    /** The local implementations: PostgreSQL servers on this machine, native logical replication, HAProxy + PgBouncer. */
    static Implementations local(Vertx vertx) {
        return new Implementations() {
            @Override
            public DatabaseProvisioner provisioner(UpgradeConfig.Provisioner p, DsnResolver sources) {
                LocalPostgresSettings s =
                        LocalPostgresSettings.of(p.workDir(), p.binaries()).withSourceDsns(sources);
                return new LocalPostgresProvisioner(p.runAs().map(s::withRunAs).orElse(s));
            }

            @Override
            public ReplicationGroup replication(UpgradeConfig.Provisioner p, DsnResolver dsns) {
                return new LogicalReplicationGroup(LogicalReplicationSettings.of(dsns, p.binaries()));
            }

            @Override
            public TrafficRouter router(UpgradeConfig.Route r) {
                HaproxyRouterSettings s = HaproxyRouterSettings.haproxyOnly(
                        r.name(),
                        Path.of(r.haproxy().admin()),
                        r.haproxy().backend(),
                        r.haproxy().sourceServer(),
                        r.haproxy().targetServer());
                return new HaproxyTrafficRouter(
                        r.pgbouncer()
                                .map(b -> s.withPgBouncer(b.admin(), b.database()))
                                .orElse(s),
                        vertx);
            }
        };
    }

    /**
     * Amazon RDS: targets are RDS instances joined to the source by a pgactive group; traffic moves through the same
     * HAProxy and PgBouncer as with local targets.
     */
    static Implementations rds(Vertx vertx) {
        Implementations local = local(vertx);
        return new Implementations() {
            @Override
            public DatabaseProvisioner provisioner(UpgradeConfig.Provisioner p, DsnResolver sources) {
                UpgradeConfig.Rds rds = p.rds().orElseThrow();
                return new RdsDatabaseProvisioner(
                        RdsClients.create(rds.region(), rds.endpoint()),
                        RdsSettings.of(sources).withInstanceIds(rds.instanceIds()));
            }

            @Override
            public ReplicationGroup replication(UpgradeConfig.Provisioner p, DsnResolver dsns) {
                return new PgactiveReplicationGroup(
                        dsns, Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(1));
            }

            @Override
            public TrafficRouter router(UpgradeConfig.Route route) {
                return local.router(route);
            }
        };
    }

    @Produces
    @Singleton
    UpgradePorts.Factory ports(ToolsConfig config, Vertx vertx, NodeDsns nodes) {
        boolean onRds =
                config.upgrade().provisioner().map(p -> p.kind().equals("rds")).orElse(false);
        return factory(config, onRds ? rds(vertx) : local(vertx), nodes);
    }

    /** With the DSNs as configured (passwords given in the DSN itself). */
    static UpgradePorts.Factory factory(ToolsConfig config, Implementations impl) {
        Map<String, Dsn> configured = new HashMap<>();
        config.collector().nodes().forEach(n -> configured.put(n.name(), n.dsn()));
        return factory(config, impl, DsnResolver.of(configured));
    }

    /** @param sources the configured nodes' DSNs with the password to use now */
    static UpgradePorts.Factory factory(ToolsConfig config, Implementations impl, DsnResolver sources) {
        UpgradeConfig upgrade = config.upgrade();
        // built on first use: creating them touches the work directory
        Map<String, Object> shared = new ConcurrentHashMap<>();
        Function<UpgradeConfig.Provisioner, DatabaseProvisioner> provisioner =
                p -> (DatabaseProvisioner) shared.computeIfAbsent("provisioner", k -> impl.provisioner(p, sources));
        Map<String, UpgradePorts> built = new ConcurrentHashMap<>();
        return new UpgradePorts.Factory() {
            @Override
            public Optional<UpgradePorts> forSource(String node) {
                if (upgrade.provisioner().isEmpty() || upgrade.route(node).isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(built.computeIfAbsent(node, n -> {
                    UpgradeConfig.Provisioner p = upgrade.provisioner().get();
                    DatabaseProvisioner prov = provisioner.apply(p);
                    ReplicationGroup replication = (ReplicationGroup)
                            shared.computeIfAbsent("replication", k -> impl.replication(p, sources.or(prov::dsn)));
                    return new UpgradePorts(
                            prov, replication, impl.router(upgrade.route(n).get()));
                }));
            }

            @Override
            public String whyNot(String node) {
                if (upgrade.provisioner().isEmpty()) {
                    return "upgrades need upgrade.provisioner in the configuration";
                }
                return upgrade.route(node).isEmpty() ? "no upgrade.routes entry for node '" + node + "'" : "available";
            }
        };
    }
}
