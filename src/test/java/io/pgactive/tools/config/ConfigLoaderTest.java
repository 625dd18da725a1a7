package io.pgactive.tools.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("tools.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private ToolsConfig load(String yaml, Map<String, String> env) throws IOException {
        return new ConfigLoader(env).load(write(yaml));
    }

    private ConfigException failure(String yaml, Map<String, String> env) throws IOException {
        Path file = write(yaml);
        try {
            new ConfigLoader(env).load(file);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).startsWith(file.toString() + ": ");
            return e;
        }
        throw new AssertionError("expected a configuration error");
    }

    @Test
    void seedFormatWithDefaults() throws IOException {
        ToolsConfig c = load("""
                collector:
                  interval: 2s
                  nodes:
                    - name: node1
                      dsn: "${PGACTIVE_NODE1_DSN:-postgres://mon:pw@localhost:5432/postgres}"
                thresholds: { lag_seconds_warn: 5, lag_seconds_crit: 15, conflicts_warn: 3/min }
                server: { listen: ":8080" }
                database: { path: ./data/replication_state.db }
                """, Map.of());
        assertThat(c.collector().interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.collector().timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.collector().stallAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.collector().nodes()).singleElement().satisfies(n -> {
            assertThat(n.name()).isEqualTo("node1");
            assertThat(n.dsn().host()).isEqualTo("localhost");
            assertThat(n.origin()).isEqualTo("file");
        });
        assertThat(c.thresholds()).isEqualTo(new ToolsConfig.Thresholds(5, 15, 3));
        assertThat(c.server()).isEqualTo(new ToolsConfig.Server("", 8080));
        assertThat(c.database().path()).isEqualTo(Path.of("./data/replication_state.db"));
        assertThat(c.collector().queriesDir()).isEqualTo(dir.toAbsolutePath().resolve("queries"));
        assertThat(c.collector().discovery()).isEmpty();
    }

    @Test
    void expandsEnvironmentAndAddsNodesFromTheEnvironmentList() throws IOException {
        ToolsConfig c = load(
                """
                collector:
                  nodes:
                    - name: node1
                      dsn: "${DSN1}"
                server: { listen: "127.0.0.1:${PORT:-9090}" }
                thresholds: { conflicts_warn: "30/h" }
                """,
                Map.of(
                        "DSN1",
                        "postgres://a@h1/db",
                        ConfigLoader.NODES_ENV,
                        "node2=postgres://b@h2/db; node3=host=h3 port=5433"));
        assertThat(c.collector().nodes())
                .extracting(ToolsConfig.NodeConfig::name)
                .containsExactly("node1", "node2", "node3");
        assertThat(c.collector().nodes().get(2).dsn().port()).isEqualTo(5433);
        assertThat(c.collector().nodes().get(1).origin()).isEqualTo("environment");
        assertThat(c.server()).isEqualTo(new ToolsConfig.Server("127.0.0.1", 9090));
        assertThat(c.thresholds().conflictsWarnPerMinute()).isEqualTo(0.5);
    }

    @Test
    void discoveryNeedsAConfiguredSeed() throws IOException {
        ToolsConfig c = load("""
                collector:
                  nodes: [ { name: a, dsn: "postgres://h/d" } ]
                  discovery: { seed: a, interval: 30s }
                """, Map.of());
        assertThat(c.collector().discovery()).contains(new ToolsConfig.Discovery("a", Duration.ofSeconds(30)));
        assertThat(failure("""
                collector:
                  nodes: [ { name: a, dsn: "postgres://h/d" } ]
                  discovery: { seed: b }
                """, Map.of()).key()).isEqualTo("collector.discovery.seed");
    }

    @Test
    void guardSectionHasSafeDefaultsAndEveryMistakeNamesItsKey() throws IOException {
        String nodes = "collector:\n  nodes: [ { name: a, dsn: \"postgres://h/d\" } ]\n";
        ToolsConfig none = load(nodes, Map.of());
        assertThat(none.guard().gates()).isEmpty();
        assertThat(none.guard().token()).isEmpty();
        assertThat(none.guard().policy()).isEqualTo(ToolsConfig.GuardPolicy.DEFAULT);

        ToolsConfig c = load(nodes + """
                guard:
                  token: ${GUARD_TOKEN}
                  pause_above: 20
                  resume_below: 2.5
                  hold: 5s
                  max_pause: 90s
                  gates:
                    - { name: orders, node: a, pgbouncer: "postgres://admin:s3cret@127.0.0.1:6432/pgbouncer", database: app_db, autostart: false }
                """, Map.of("GUARD_TOKEN", "t0k3n"));
        assertThat(c.guard().token()).contains("t0k3n");
        assertThat(c.guard().policy())
                .isEqualTo(new ToolsConfig.GuardPolicy(20, 2.5, Duration.ofSeconds(5), Duration.ofSeconds(90)));
        ToolsConfig.GateConfig gate = c.guard().gate("orders").orElseThrow();
        assertThat(gate.node()).isEqualTo("a");
        assertThat(gate.database()).isEqualTo("app_db");
        assertThat(gate.autostart()).isFalse();
        assertThat(gate.pgbouncer().port()).isEqualTo(6432);

        String gateLine =
                "  gates: [ { name: g, node: a, pgbouncer: \"postgres://admin:s3cret@h:6432/pgbouncer\", database: d } ]\n";
        assertThat(failure(nodes + "guard:\n  pause_above: 5\n  resume_below: 5\n", Map.of())
                        .key())
                .isEqualTo("guard.resume_below");
        assertThat(failure(nodes + "guard:\n  hold: 2m\n  max_pause: 1m\n", Map.of())
                        .key())
                .isEqualTo("guard.max_pause");
        assertThat(failure(nodes + "guard:\n  pause_abve: 5\n", Map.of()).key()).isEqualTo("guard.pause_abve");
        assertThat(failure(nodes + "guard:\n" + gateLine.replace("node: a", "node: zz"), Map.of())
                        .getMessage())
                .contains("guard.gates[0].node")
                .contains("zz");
        assertThat(failure(nodes + "guard:\n" + gateLine.replace("database: d", "database: \"d; RESUME\""), Map.of())
                        .key())
                .isEqualTo("guard.gates[0].database");
        assertThat(failure(nodes + "guard:\n  gatez: []\n", Map.of()).key()).isEqualTo("guard.gatez");
        ConfigException badDsn = failure(
                nodes + "guard:\n"
                        + gateLine.replace(
                                "postgres://admin:s3cret@h:6432/pgbouncer",
                                "postgres://admin:s3cret@h:notaport/pgbouncer"),
                Map.of());
        assertThat(badDsn.key()).isEqualTo("guard.gates[0].pgbouncer");
        assertThat(badDsn.getMessage()).doesNotContain("s3cret");
        assertThat(failure(
                                nodes
                                        + "guard:\n  gates: [ { name: g, node: a, pgbouncer: \"postgres://h/p\", database: d },"
                                        + " { name: g, node: a, pgbouncer: \"postgres://h/p\", database: d } ]\n",
                                Map.of())
                        .getMessage())
                .contains("guard.gates[1].name")
                .contains("duplicate");
    }

    @Test
    void retentionHasDefaultsAcceptsDaysAndNamesTheBadKey() throws IOException {
        String nodes = "collector:\n  nodes: [ { name: a, dsn: \"postgres://h/d\" } ]\n";
        assertThat(load(nodes, Map.of()).database().retention()).isEqualTo(ToolsConfig.Retention.DEFAULT);
        ToolsConfig c = load(
                nodes
                        + "database: { retention: { samples: 2d, downsampled: 60d, snapshots: 12h, events: 30d, conflicts: 1d12h } }\n",
                Map.of());
        assertThat(c.database().retention())
                .isEqualTo(new ToolsConfig.Retention(
                        Duration.ofDays(2),
                        Duration.ofDays(60),
                        Duration.ofHours(12),
                        Duration.ofDays(30),
                        Duration.ofHours(36)));
        assertThat(failure(nodes + "database: { retention: { samples: 30m } }\n", Map.of())
                        .key())
                .isEqualTo("database.retention.samples");
        assertThat(failure(nodes + "database: { retention: { samples: 40d } }\n", Map.of())
                        .key())
                .isEqualTo("database.retention.downsampled");
        assertThat(failure(nodes + "database: { retention: { snapshots: 8d } }\n", Map.of())
                        .key())
                .isEqualTo("database.retention.snapshots");
        assertThat(failure(nodes + "database: { retention: { events: forever } }\n", Map.of())
                        .key())
                .isEqualTo("database.retention.events");
        ConfigException e = failure(nodes + "database: { retention: { sample: 1d } }\n", Map.of());
        assertThat(e.key()).isEqualTo("database.retention.sample");
        assertThat(e.problem()).contains("samples, downsampled, snapshots, events, conflicts");
    }

    @Test
    void unknownKeyIsNamed() throws IOException {
        ConfigException e = failure("""
                collector:
                  nodes: [ { name: a, dsn: "postgres://h/d" } ]
                thresholds: { lag_seconds_wran: 5 }
                """, Map.of());
        assertThat(e.key()).isEqualTo("thresholds.lag_seconds_wran");
        assertThat(e.problem()).contains("unknown key").contains("lag_seconds_warn");
    }

    @Test
    void malformedDsnIsNamedWithoutThePassword() throws IOException {
        ConfigException e = failure("""
                collector:
                  nodes:
                    - { name: ok, dsn: "postgres://h/d" }
                    - { name: bad, dsn: "postgres://mon:TopSecret42@db:port/x" }
                """, Map.of());
        assertThat(e.key()).isEqualTo("collector.nodes[1].dsn");
        assertThat(e.getMessage()).contains("malformed DSN").doesNotContain("TopSecret42");
    }

    @Test
    void everyInvalidValueIsReportedWithItsKey() throws IOException {
        String node = "  nodes: [ { name: a, dsn: \"postgres://h/d\" } ]\n";
        assertThat(failure("collector:\n  interval: soon\n" + node, Map.of()).key())
                .isEqualTo("collector.interval");
        assertThat(failure("collector:\n  interval: 2s\n  timeout: 3s\n" + node, Map.of())
                        .key())
                .isEqualTo("collector.timeout");
        assertThat(failure("collector:\n  concurrency: 0\n" + node, Map.of()).key())
                .isEqualTo("collector.concurrency");
        assertThat(failure("collector:\n" + node + "thresholds: { lag_seconds_warn: -1 }", Map.of())
                        .key())
                .isEqualTo("thresholds.lag_seconds_warn");
        assertThat(failure(
                                "collector:\n" + node + "thresholds: { lag_seconds_warn: 20, lag_seconds_crit: 10 }",
                                Map.of())
                        .key())
                .isEqualTo("thresholds.lag_seconds_crit");
        assertThat(failure("collector:\n" + node + "thresholds: { conflicts_warn: lots }", Map.of())
                        .key())
                .isEqualTo("thresholds.conflicts_warn");
        assertThat(failure("collector:\n" + node + "server: { listen: 'localhost' }", Map.of())
                        .key())
                .isEqualTo("server.listen");
        assertThat(failure("collector:\n" + node + "server: { listen: ':99999' }", Map.of())
                        .key())
                .isEqualTo("server.listen");
        assertThat(failure("collector:\n  nodes: [ { name: 'bad name!', dsn: 'postgres://h/d' } ]", Map.of())
                        .key())
                .isEqualTo("collector.nodes[0].name");
        assertThat(failure("collector:\n  nodes: [ { name: a } ]", Map.of()).key())
                .isEqualTo("collector.nodes[0].dsn");
        assertThat(failure("collector:\n  nodes: { name: a }", Map.of()).key()).isEqualTo("collector.nodes");
    }

    @Test
    void duplicateNamesAcrossFileAndEnvironment() throws IOException {
        ConfigException e = failure(
                "collector:\n  nodes: [ { name: a, dsn: 'postgres://h/d' } ]",
                Map.of(ConfigLoader.NODES_ENV, "a=postgres://other/d"));
        assertThat(e.key()).isEqualTo(ConfigLoader.NODES_ENV + "[0].name");
        assertThat(e.problem()).contains("duplicate node name 'a'").contains("collector.nodes[0]");
        ConfigException second = failure(
                "collector:\n  nodes: [ { name: a, dsn: 'postgres://h/d' }, { name: b, dsn: 'postgres://h/e' } ]",
                Map.of(ConfigLoader.NODES_ENV, "c=postgres://x/d;b=postgres://other/d"));
        assertThat(second.key()).isEqualTo(ConfigLoader.NODES_ENV + "[1].name");
        assertThat(second.problem()).contains("'b'").contains("collector.nodes[1]");
    }

    @Test
    void durationsAreBoundedWithTheKeyAndTheBoundNamed() throws IOException {
        String node = "  nodes: [ { name: a, dsn: 'postgres://h/d' } ]\n";
        ConfigException forty = failure("collector:\n  interval: 40d\n" + node, Map.of());
        assertThat(forty.key()).isEqualTo("collector.interval");
        assertThat(forty.problem()).isEqualTo("must be at most 1h, got '40d'");
        assertThat(failure("collector:\n  interval: 99999999999999999999\n" + node, Map.of())
                        .key())
                .isEqualTo("collector.interval");
        assertThat(failure("collector:\n  interval: 10ms\n" + node, Map.of()).problem())
                .contains("at least 100ms");
        assertThat(failure("collector:\n  backoff_max: 2d\n" + node, Map.of()).key())
                .isEqualTo("collector.backoff_max");
        assertThat(failure("collector:\n  probe_interval: 10ms\n" + node, Map.of())
                        .key())
                .isEqualTo("collector.probe_interval");
        assertThat(failure("collector:\n  stall_after: 9000000h\n" + node, Map.of())
                        .key())
                .isEqualTo("collector.stall_after");
        assertThat(failure("collector:\n" + node + "database: { retention: { events: 100000000d } }", Map.of())
                        .key())
                .isEqualTo("database.retention.events");
        assertThat(new ConfigLoader(Map.of())
                        .load(write("collector:\n  interval: 1h\n  timeout: 59m\n" + node))
                        .collector()
                        .interval())
                .isEqualTo(Duration.ofHours(1));
    }

    @Test
    void malformedYamlIsOneLineWithLineAndColumn() throws IOException {
        ConfigException e = failure("collector:\n  nodes: [ { name: a, dsn: 'x' }\n  interval: : 2s\n", Map.of());
        assertThat(e.getMessage())
                .doesNotContain("\n")
                .contains("not valid YAML at line ")
                .contains(", column ");
    }

    @Test
    void aQueriesDirectoryNamedOnPurposeMustExist() throws IOException {
        String node = "  nodes: [ { name: a, dsn: 'postgres://h/d' } ]\n";
        ConfigException e = failure("collector:\n  queries_dir: no-such-dir\n" + node, Map.of());
        assertThat(e.key()).isEqualTo("collector.queries_dir");
        assertThat(e.problem()).contains("no such directory").contains("no-such-dir");
        // the default may be absent: no custom queries
        assertThat(new ConfigLoader(Map.of())
                        .load(write("collector:\n" + node))
                        .collector()
                        .nodes())
                .hasSize(1);
    }

    @Test
    void unsetVariableWithoutDefault() throws IOException {
        ConfigException e = failure("collector:\n  nodes: [ { name: a, dsn: '${NODE_A_DSN}' } ]", Map.of());
        assertThat(e.key()).isEqualTo("collector.nodes[0].dsn");
        assertThat(e.problem()).contains("NODE_A_DSN is not set");
    }

    @Test
    void noNodesNotYamlAndMissingFile() throws IOException {
        assertThat(failure("collector: { interval: 2s }", Map.of()).key()).isEqualTo("collector.nodes");
        assertThat(failure("collector: [unclosed", Map.of()).problem()).contains("not valid YAML");
        assertThat(failure("- a\n- b", Map.of()).problem()).contains("mapping");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(dir.resolve("absent.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("file not found");
    }

    @Test
    void durations() {
        assertThat(ConfigLoader.parseDuration("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(ConfigLoader.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(ConfigLoader.parseDuration("3")).isEqualTo(Duration.ofSeconds(3));
        assertThat(ConfigLoader.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(ConfigLoader.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
        assertThatThrownBy(() -> ConfigLoader.parseDuration("0s")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConfigLoader.parseDuration("5 minutes")).isInstanceOf(IllegalArgumentException.class);
    }
}
