package io.pgactive.tools.workflow.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.config.ConfigLoader;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.config.UpgradeConfig;
import io.pgactive.tools.testing.DemoCluster;
import io.pgactive.tools.testing.DemoUpgradeRoute;
import io.pgactive.tools.testing.HaproxyProcess;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guarded demo has a node {@code bin/demo-upgrade} can upgrade: PostgreSQL 16 reached through PgBouncer and
 * HAProxy, a writer going through them, and an {@code upgrade:} section whose route the service's own router
 * implementation reads back from the real HAProxy.
 */
class DemoUpgradeRouteTest {

    @TempDir
    static Path dir;

    static DemoCluster demo;
    static DemoUpgradeRoute route;

    @BeforeAll
    static void setUp() {
        demo = DemoCluster.startGuarded(dir.resolve("work"), false, "demo-route-token", dir.resolve("control"));
        route = demo.upgradeRoute().orElseThrow();
    }

    @AfterAll
    static void tearDown() {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void theRoutedNodeIsPostgres16AndTheWriterGoesThroughTheRouter() throws Exception {
        try (Connection c = DriverManager.getConnection(
                        route.bouncer().jdbcUrl(), route.bouncer().jdbcProperties());
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT current_setting('server_version_num')::int, inet_server_port()")) {
            rs.next();
            assertThat(rs.getInt(1) / 10000).isEqualTo(DemoUpgradeRoute.SOURCE_MAJOR);
            assertThat(rs.getInt(2)).isEqualTo(route.source().port());
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> route.writer().acked() >= 10);
        assertThat(route.writer().acks())
                .allMatch(a -> a.serverPort() == route.source().port());
    }

    @Test
    void theServiceAcceptsTheUpgradeRouteAndItsRouterReadsTheRealHaproxy() throws Exception {
        Path file = dir.resolve("control/tools.yaml");
        demo.writeConfig(file);
        ToolsConfig config = new ConfigLoader(Map.of()).load(file);
        assertThat(config.collector().nodes()).anyMatch(n -> n.name().equals(DemoUpgradeRoute.SOURCE_NODE));
        UpgradeConfig.Route configured =
                config.upgrade().route(DemoUpgradeRoute.SOURCE_NODE).orElseThrow();
        assertThat(configured.name()).isEqualTo(DemoUpgradeRoute.ROUTE);
        assertThat(configured.pgbouncer()).isPresent();
        assertThat(config.upgrade().provisioner().orElseThrow().binaries())
                .containsKeys(DemoUpgradeRoute.SOURCE_MAJOR, DemoUpgradeRoute.TARGET_MAJOR);

        Vertx vertx = Vertx.vertx();
        try {
            UpgradePorts.Factory ports = UpgradePortsProducer.factory(config, UpgradePortsProducer.local(vertx));
            UpgradePorts forSource = ports.forSource(DemoUpgradeRoute.SOURCE_NODE)
                    .orElseThrow(() -> new AssertionError(ports.whyNot(DemoUpgradeRoute.SOURCE_NODE)));
            // the console's login has a 5 s limit, which a loaded machine can miss; the activities retry the same way
            TrafficSplit split = await().atMost(Duration.ofSeconds(90))
                    .ignoreExceptionsInstanceOf(RuntimeException.class)
                    .until(() -> forSource.router().split(), s -> true);
            assertThat(split.targetPercent()).isZero();
            assertThat(split.held()).isFalse();
            assertThat(split.detail()).contains(HaproxyProcess.SOURCE);
        } finally {
            vertx.closeAndAwait();
        }
    }
}
