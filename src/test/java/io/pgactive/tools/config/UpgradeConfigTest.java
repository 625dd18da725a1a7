package io.pgactive.tools.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code upgrade:} section of tools.yaml. */
class UpgradeConfigTest {

    static final String NODES = """
            collector:
              nodes:
                - { name: node1, dsn: "postgres://admin:secret@127.0.0.1:5432/app" }
            """;

    @TempDir
    Path dir;

    private ToolsConfig load(String upgrade) throws IOException {
        Path file = dir.resolve("tools.yaml");
        Files.writeString(file, NODES + upgrade);
        return new ConfigLoader(Map.of()).load(file);
    }

    private String failure(String upgrade) throws IOException {
        Path file = dir.resolve("tools.yaml");
        try {
            load(upgrade);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).startsWith(file + ": ");
            return e.getMessage().substring(file.toString().length() + 2);
        }
        throw new AssertionError("expected a configuration error");
    }

    @Test
    void absentMeansNoUpgrades() throws IOException {
        UpgradeConfig u = load("").upgrade();
        assertThat(u.provisioner()).isEmpty();
        assertThat(u.routes()).isEmpty();
        assertThat(u.limits()).isEqualTo(UpgradeConfig.Limits.DEFAULT);
    }

    @Test
    void everyKeyIsRead() throws IOException {
        UpgradeConfig u = load("""
                upgrade:
                  token: t0ken
                  lag_threshold: 8MB
                  escalate_after: 20m
                  sync_hold: 5s
                  soak: 30s
                  cutover_budget: 20s
                  decommission_delay: 24h
                  health_probe: "SELECT 1"
                  routes:
                    - name: app
                      node: node1
                      haproxy: { admin: /run/haproxy/admin.sock, backend: pg, source_server: source, target_server: target }
                      pgbouncer: { admin: "postgres://pgbouncer:pw@127.0.0.1:6432/pgbouncer", database: app }
                  provisioner:
                    kind: local
                    work_dir: upgrades
                    binaries: { 18: /usr/lib/postgresql/18 }
                    run_as: postgres
                """).upgrade();
        assertThat(u.token()).contains("t0ken");
        assertThat(u.limits())
                .isEqualTo(new UpgradeConfig.Limits(
                        8L * 1024 * 1024,
                        Duration.ofMinutes(20),
                        Duration.ofSeconds(5),
                        Duration.ofHours(24),
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(20),
                        Duration.ofHours(24)));
        assertThat(u.healthProbe()).contains("SELECT 1");
        UpgradeConfig.Route r = u.route("node1").orElseThrow();
        assertThat(r.haproxy())
                .isEqualTo(new UpgradeConfig.Haproxy("/run/haproxy/admin.sock", "pg", "source", "target"));
        assertThat(r.pgbouncer().orElseThrow().database()).isEqualTo("app");
        assertThat(r.pgbouncer().orElseThrow().admin().toString()).doesNotContain("pw");
        UpgradeConfig.Provisioner p = u.provisioner().orElseThrow();
        assertThat(p.workDir()).isEqualTo(dir.resolve("upgrades"));
        assertThat(p.binaries()).containsEntry(18, Path.of("/usr/lib/postgresql/18"));
        assertThat(p.runAs()).isEqualTo(Optional.of("postgres"));
    }

    @Test
    void rdsProvisioner() throws IOException {
        UpgradeConfig.Provisioner p = load("""
                        upgrade:
                          provisioner:
                            kind: rds
                            rds:
                              region: eu-west-1
                              endpoint: https://rds.eu-west-1.amazonaws.com
                              instance_ids: { node1: orders-db }
                        """).upgrade().provisioner().orElseThrow();

        assertThat(p.kind()).isEqualTo("rds");
        UpgradeConfig.Rds rds = p.rds().orElseThrow();
        assertThat(rds.region()).isEqualTo("eu-west-1");
        assertThat(rds.endpoint()).map(Object::toString).contains("https://rds.eu-west-1.amazonaws.com");
        assertThat(rds.instanceIds()).containsExactly(Map.entry("node1", "orders-db"));
    }

    @Test
    void problemsNameTheKey() throws IOException {
        assertThat(failure("upgrade: { lag_treshold: 1MB }\n")).startsWith("upgrade.lag_treshold: unknown key");
        assertThat(failure("upgrade: { lag_threshold: lots }\n")).startsWith("upgrade.lag_threshold: expected a size");
        assertThat(failure("upgrade: { escalate_after: 5s, sync_hold: 10s }\n"))
                .startsWith("upgrade.escalate_after: must be longer");
        assertThat(failure("upgrade: { provisioner: { kind: cloud } }\n"))
                .startsWith("upgrade.provisioner.kind: unknown provisioner 'cloud' (known: local, rds)");
        assertThat(failure("upgrade: { provisioner: { kind: rds } }\n"))
                .startsWith("upgrade.provisioner.rds: kind rds needs this section");
        assertThat(failure("upgrade: { provisioner: { kind: rds, rds: { region: europe } } }\n"))
                .startsWith("upgrade.provisioner.rds.region: expected an AWS region");
        assertThat(failure(
                        "upgrade: { provisioner: { kind: rds, rds: { region: eu-west-1, endpoint: 'http://x' } } }\n"))
                .startsWith("upgrade.provisioner.rds.endpoint: expected an https URL");
        assertThat(
                        failure(
                                "upgrade: { provisioner: { kind: rds, rds: { region: eu-west-1, instance_ids: { node1: 'a--b' } } } }\n"))
                .startsWith("upgrade.provisioner.rds.instance_ids.node1: not an RDS DB instance identifier");
        assertThat(failure("upgrade: { provisioner: { binaries: { latest: /x } } }\n"))
                .startsWith("upgrade.provisioner.binaries.latest: expected a PostgreSQL major version");
        assertThat(
                        failure(
                                "upgrade:\n  routes:\n    - { name: app, node: node9, haproxy: { admin: /s, backend: pg, source_server: a, target_server: b } }\n"))
                .isEqualTo("upgrade.routes[0].node: names no configured node: 'node9'");
        assertThat(
                        failure(
                                "upgrade:\n  routes:\n    - { name: app, node: node1, haproxy: { admin: /s, backend: 'pg; disable', source_server: a, target_server: b } }\n"))
                .startsWith("upgrade.routes[0].haproxy.backend: invalid HAProxy name");
        assertThat(failure("upgrade:\n  routes:\n    - { name: app, node: node1 }\n"))
                .startsWith("upgrade.routes[0].haproxy: is required");
        String dsn = failure(
                "upgrade:\n  routes:\n    - { name: app, node: node1, haproxy: { admin: /s, backend: pg, source_server: a,"
                        + " target_server: b }, pgbouncer: { admin: 'postgres://u:hunter2@h:notaport/db', database: app } }\n");
        assertThat(dsn)
                .startsWith("upgrade.routes[0].pgbouncer.admin: malformed DSN")
                .doesNotContain("hunter2");
    }
}
