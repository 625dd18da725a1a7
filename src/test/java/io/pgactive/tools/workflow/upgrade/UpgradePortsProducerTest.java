package io.pgactive.tools.workflow.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.config.ConfigLoader;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.config.UpgradeConfig;
import io.pgactive.tools.workflow.upgrade.aws.PgactiveReplicationGroup;
import io.pgactive.tools.workflow.upgrade.aws.RdsDatabaseProvisioner;
import io.pgactive.tools.workflow.upgrade.local.DsnResolver;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which ports the configuration gives each node, built once and shared where they should be. */
class UpgradePortsProducerTest {

    @TempDir
    Path dir;

    final List<String> built = new CopyOnWriteArrayList<>();
    volatile DsnResolver replicationDsns;

    /** Records what is built; the ports themselves are never called here. */
    final UpgradePortsProducer.Implementations recording = new UpgradePortsProducer.Implementations() {
        @Override
        public DatabaseProvisioner provisioner(UpgradeConfig.Provisioner config, DsnResolver sources) {
            built.add("provisioner " + config.workDir().getFileName());
            return port(DatabaseProvisioner.class);
        }

        @Override
        public ReplicationGroup replication(UpgradeConfig.Provisioner config, DsnResolver dsns) {
            built.add("replication");
            replicationDsns = dsns;
            return port(ReplicationGroup.class);
        }

        @Override
        public TrafficRouter router(UpgradeConfig.Route route) {
            built.add("router " + route.name());
            return port(TrafficRouter.class);
        }
    };

    private static <T> T port(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            if (m.getName().equals("dsn")) {
                return Optional.empty();
            }
            throw new UnsupportedOperationException(m.getName());
        }));
    }

    private ToolsConfig config(String upgrade) throws IOException {
        Path file = dir.resolve("tools.yaml");
        Files.writeString(file, """
                collector:
                  nodes:
                    - { name: node1, dsn: "postgres://admin:pw@127.0.0.1:5432/app" }
                    - { name: node2, dsn: "postgres://admin:pw@127.0.0.1:5433/app" }
                """ + upgrade);
        return new ConfigLoader(Map.of()).load(file);
    }

    @Test
    void eachRoutedNodeGetsItsRouterAndSharesTheProvisionerAndReplication() throws IOException {
        UpgradePorts.Factory f = UpgradePortsProducer.factory(config("""
                upgrade:
                  routes:
                    - { name: app1, node: node1, haproxy: { admin: /s1, backend: pg, source_server: a, target_server: b } }
                    - { name: app2, node: node2, haproxy: { admin: /s2, backend: pg, source_server: a, target_server: b } }
                  provisioner: { kind: local, work_dir: targets }
                """), recording);
        assertThat(built).isEmpty(); // nothing is built before the first upgrade
        UpgradePorts one = f.forSource("node1").orElseThrow();
        assertThat(f.forSource("node1").orElseThrow()).isSameAs(one);
        UpgradePorts two = f.forSource("node2").orElseThrow();
        assertThat(two.provisioner()).isSameAs(one.provisioner());
        assertThat(two.replication()).isSameAs(one.replication());
        assertThat(two.router()).isNotSameAs(one.router());
        assertThat(built).containsExactly("provisioner targets", "replication", "router app1", "router app2");
        // the replication group reaches configured sources with their configured credentials
        assertThat(replicationDsns.resolve("node2"))
                .hasValueSatisfying(d -> assertThat(d.port()).isEqualTo(5433));
        assertThat(replicationDsns.resolve("node2-pg18")).isEmpty();
    }

    @Test
    void whyNotNamesWhatIsMissing() throws IOException {
        UpgradePorts.Factory none = UpgradePortsProducer.factory(config(""), recording);
        assertThat(none.forSource("node1")).isEmpty();
        assertThat(none.whyNot("node1")).contains("upgrade.provisioner");

        UpgradePorts.Factory unrouted = UpgradePortsProducer.factory(config("""
                upgrade:
                  routes:
                    - { name: app1, node: node1, haproxy: { admin: /s1, backend: pg, source_server: a, target_server: b } }
                  provisioner: { kind: local }
                """), recording);
        assertThat(unrouted.forSource("node2")).isEmpty();
        assertThat(unrouted.whyNot("node2")).isEqualTo("no upgrade.routes entry for node 'node2'");
        assertThat(built).isEmpty();
    }

    @Test
    void kindRdsBuildsTheRdsProvisionerAndThePgactiveGroup() throws IOException {
        UpgradeConfig.Provisioner p = config("""
                        upgrade:
                          provisioner: { kind: rds, rds: { region: eu-west-1, instance_ids: { node1: orders-db } } }
                        """).upgrade().provisioner().orElseThrow();
        UpgradePortsProducer.Implementations rds = UpgradePortsProducer.rds(null);

        assertThat(rds.provisioner(p, DsnResolver.of(Map.of()))).isInstanceOf(RdsDatabaseProvisioner.class);
        assertThat(rds.replication(p, DsnResolver.of(Map.of()))).isInstanceOf(PgactiveReplicationGroup.class);
    }
}
