package io.pgactive.tools.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.pgactive.tools.config.ConfigLoader;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.upgrade.HealthReport;
import io.pgactive.tools.contract.upgrade.UpgradeDecision;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.workflow.upgrade.UpgradeDecided;
import io.pgactive.tools.workflow.upgrade.UpgradePorts;
import io.pgactive.tools.workflow.upgrade.UpgradeService;
import jakarta.enterprise.event.Event;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upgrade series under the names the alert rules and the dashboard use, fed by recorded decisions. */
class UpgradeMetricsTest {

    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    @Test
    void decisionsDriveThePhaseSplitHealthAndCounters() throws IOException {
        Path file = dir.resolve("tools.yaml");
        Files.writeString(file, """
                collector:
                  nodes:
                    - { name: node1, dsn: "postgres://u:p@127.0.0.1:5432/app" }
                upgrade:
                  routes:
                    - { name: app, node: node1, haproxy: { admin: /s, backend: pg, source_server: a, target_server: b } }
                """);
        ToolsConfig config = new ConfigLoader(Map.of()).load(file);
        UpgradeMetrics metrics = new UpgradeMetrics();
        // the CDI event goes straight to the metrics, as the container delivers it
        Event<UpgradeDecided> events = (Event<UpgradeDecided>) Proxy.newProxyInstance(
                Event.class.getClassLoader(), new Class<?>[] {Event.class}, (proxy, method, args) -> {
                    if (method.getName().equals("fire")) {
                        metrics.onDecision((UpgradeDecided) args[0]);
                    }
                    return null;
                });
        UpgradePorts.Factory none = new UpgradePorts.Factory() {
            @Override
            public Optional<UpgradePorts> forSource(String sourceNode) {
                return Optional.empty();
            }

            @Override
            public String whyNot(String sourceNode) {
                return "none";
            }
        };
        UpgradeService upgrades = new UpgradeService(config, null, none, events);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics.registry = registry;
        metrics.config = config;
        metrics.upgrades = upgrades;
        metrics.onStart(null);

        assertThat(registry.scrape()).contains("pgactive_upgrade_phase{source=\"node1\",} NaN");

        Recorder r = new Recorder(upgrades);
        r.decide(UpgradePhase.VALIDATING, UpgradePhase.VALIDATING, "started", 0, 0);
        r.decide(UpgradePhase.VALIDATING, UpgradePhase.PROVISIONING, "phase", 0, 1_500);
        r.decide(UpgradePhase.SHIFTING_TRAFFIC, UpgradePhase.SHIFTING_TRAFFIC, "shift", 25, 0);
        r.health(false);
        r.decide(UpgradePhase.SHIFTING_TRAFFIC, UpgradePhase.SHIFTING_TRAFFIC, "hold", 0, 0);
        String scrape = registry.scrape();
        assertThat(scrape)
                .contains(
                        "pgactive_upgrade_phase{source=\"node1\",} 6.0",
                        "pgactive_upgrade_running{source=\"node1\",} 1.0",
                        "pgactive_upgrade_held{source=\"node1\",} 1.0",
                        "pgactive_upgrade_target_traffic_ratio{source=\"node1\",} 0.0",
                        "pgactive_upgrade_health_check_ok{source=\"node1\",} 0.0",
                        "pgactive_upgrades_started_total{source=\"node1\",} 1.0",
                        "pgactive_upgrade_phase_duration_seconds_count{phase=\"VALIDATING\",source=\"node1\",} 1.0",
                        "pgactive_upgrade_phase_duration_seconds_sum{phase=\"VALIDATING\",source=\"node1\",} 1.5",
                        "pgactive_upgrade_last_progress_timestamp_seconds{source=\"node1\",}");

        r.decide(UpgradePhase.ROLLING_BACK, UpgradePhase.ROLLED_BACK, "rolled_back", 0, 2_000);
        scrape = registry.scrape();
        assertThat(scrape)
                .contains(
                        "pgactive_upgrade_running{source=\"node1\",} 0.0",
                        "pgactive_upgrade_held{source=\"node1\",} 0.0",
                        "pgactive_upgrades_rolled_back_total{source=\"node1\",} 1.0",
                        "pgactive_upgrades_completed_total{source=\"node1\",} 0.0");
        metrics.onStop(null);
        assertThat(registry.scrape()).doesNotContain("pgactive_upgrade_phase{");
    }

    /** Records decisions through the service as the activities do. */
    private record Recorder(UpgradeService upgrades) {

        void decide(UpgradePhase from, UpgradePhase to, String action, int onTarget, long fromMillis) {
            invoke(
                    "decided",
                    new Class<?>[] {String.class, UpgradeDecision.class},
                    "node1",
                    new UpgradeDecision(
                            System.currentTimeMillis(), from, to, action, "test", onTarget, 10, fromMillis));
        }

        void health(boolean ok) {
            invoke(
                    "observedHealth",
                    new Class<?>[] {String.class, HealthReport.class},
                    "node1",
                    new HealthReport(1, ok, ok ? List.of() : List.of("target down"), 10, 0, 1));
        }

        private void invoke(String name, Class<?>[] types, Object... args) {
            try {
                var m = UpgradeService.class.getDeclaredMethod(name, types);
                m.setAccessible(true);
                m.invoke(upgrades, args);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
