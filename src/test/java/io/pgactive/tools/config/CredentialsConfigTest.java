package io.pgactive.tools.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.config.credentials.SecretRef;
import io.pgactive.tools.config.credentials.SecretStore;
import io.pgactive.tools.testing.FakeSecretsManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credential references in tools.yaml: read once at start-up to check them, kept out of the configuration. */
class CredentialsConfigTest {

    private static final String PASSWORD = "rds-Managed-pw-9f3";

    @TempDir
    static Path dir;

    static FakeSecretsManager endpoint;

    @BeforeAll
    static void startEndpoint() {
        endpoint = FakeSecretsManager.start(dir.resolve("endpoint"));
        endpoint.put(
                "rds!db-1",
                "{\"host\":\"127.0.0.1\",\"port\":6543,\"username\":\"monitor\",\"password\":\"" + PASSWORD
                        + "\",\"dbname\":\"app\"}");
        endpoint.put("pgbouncer-admin", "postgres://pgbouncer:" + PASSWORD + "@127.0.0.1:6432/pgbouncer");
        endpoint.put("api", "{\"token\":\"api-token-" + PASSWORD + "\"}");
    }

    @AfterAll
    static void stopEndpoint() {
        endpoint.close();
    }

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("tools.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private ToolsConfig load(String yaml) throws IOException {
        return loader().load(write(yaml));
    }

    private static ConfigLoader loader() {
        return new ConfigLoader(
                Map.of("MONITOR_PW", PASSWORD),
                settings ->
                        new SecretStore(settings, Map.of("MONITOR_PW", PASSWORD), endpoint::client, Clock.systemUTC()));
    }

    private ConfigException failure(String yaml) throws IOException {
        Path file = write(yaml);
        try {
            loader().load(file);
        } catch (ConfigException e) {
            assertThat(e.getMessage())
                    .startsWith(file + ": ")
                    .doesNotContain(PASSWORD)
                    .doesNotContain("\n");
            return e;
        }
        throw new AssertionError("expected a configuration error");
    }

    @Test
    void anRdsManagedSecretIsAWholeDsnWhosePasswordStaysAReference() throws IOException {
        ToolsConfig c = load("""
                credentials: { region: eu-west-1, cache_ttl: 10m }
                collector:
                  nodes:
                    - name: rds1
                      dsn: secret://rds!db-1
                      sslmode: verify-full
                      sslrootcert: ca.pem
                """.replace("ca.pem", ca()));
        ToolsConfig.NodeConfig node = c.collector().nodes().get(0);
        assertThat(node.dsn().host()).isEqualTo("127.0.0.1");
        assertThat(node.dsn().port()).isEqualTo(6543);
        assertThat(node.dsn().database()).isEqualTo("app");
        assertThat(node.dsn().user()).isEqualTo("monitor");
        assertThat(node.dsn().password()).isNull();
        assertThat(node.dsn().option("sslmode")).contains("verify-full");
        assertThat(node.auth()).isEqualTo(new NodeAuth.Password(new SecretRef.Aws("rds!db-1", Optional.empty()), true));
        assertThat(c.secrets().ttl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.toString()).doesNotContain(PASSWORD);
    }

    @Test
    void passwordReferencesTokensAndAdminDsns() throws IOException {
        ToolsConfig c = load("""
                collector:
                  nodes:
                    - { name: a, dsn: "postgres://monitor@127.0.0.1:5432/postgres", password: "${MONITOR_PW}" }
                    - { name: b, dsn: "postgres://monitor@127.0.0.1:5433/postgres", password: "secret://rds!db-1#password" }
                guard:
                  token: secret://api#token
                  gates:
                    - { name: g, node: a, pgbouncer: secret://pgbouncer-admin, database: app }
                """);
        assertThat(c.collector().nodes().get(0).auth())
                .isEqualTo(new NodeAuth.Password(new SecretRef.Env("MONITOR_PW"), false));
        assertThat(c.collector().nodes().get(1).auth())
                .isEqualTo(new NodeAuth.Password(new SecretRef.Aws("rds!db-1", Optional.of("password")), false));
        assertThat(c.guard().token()).contains("api-token-" + PASSWORD);
        assertThat(c.guard().gates().get(0).pgbouncer().password()).isEqualTo(PASSWORD);
        assertThat(c.guard().gates().get(0).pgbouncer().toString()).doesNotContain(PASSWORD);
    }

    @Test
    void aMissingSecretAtStartUpIsOneLineNamingTheKey() throws IOException {
        ConfigException e = failure("""
                collector:
                  nodes:
                    - { name: a, dsn: "postgres://monitor@127.0.0.1/postgres", password: "secret://gone#password" }
                """);
        assertThat(e.key()).isEqualTo("collector.nodes[0].password");
        assertThat(e.problem())
                .isEqualTo("secret://gone#password: Secrets Manager has no such secret (ResourceNotFoundException)");
    }

    @Test
    void aPlainPasswordIsNotAReference() throws IOException {
        ConfigException e = failure("""
                collector:
                  nodes:
                    - { name: a, dsn: "postgres://monitor@127.0.0.1/postgres", password: "%s" }
                """.formatted(PASSWORD));
        assertThat(e.key()).isEqualTo("collector.nodes[0].password");
        assertThat(e.problem()).startsWith("expected a reference");
    }

    @Test
    void iamNeedsTlsAndNoOtherPassword() throws IOException {
        ConfigException plain = failure("""
                collector:
                  nodes:
                    - { name: a, dsn: "postgres://monitor@db.internal/postgres", auth: iam, region: eu-west-1 }
                """);
        assertThat(plain.key()).isEqualTo("collector.nodes[0].auth");
        assertThat(plain.problem()).contains("only over TLS").contains("sslmode is prefer");

        ConfigException both = failure("""
                collector:
                  nodes:
                    - { name: a, dsn: "postgres://monitor:x@db.internal/postgres?sslmode=require", auth: iam }
                """);
        assertThat(both.problem()).contains("remove the other password");

        ToolsConfig ok = load("""
                collector:
                  nodes:
                    - { name: a, dsn: "postgres://monitor@db.internal/postgres", auth: iam, region: eu-west-1, sslmode: require }
                """);
        assertThat(ok.collector().nodes().get(0).auth()).isEqualTo(new NodeAuth.Iam(Optional.of("eu-west-1")));
    }

    @Test
    void tlsSettingsAreChecked() throws IOException {
        assertThat(failure("""
                collector:
                  nodes:
                    - { name: a, dsn: "postgres://monitor@db.internal/postgres", sslmode: verify_full }
                """).problem()).startsWith("unknown sslmode 'verify_full'");
        assertThat(failure("""
                collector:
                  nodes:
                    - { name: a, dsn: "postgres://monitor@db.internal/postgres", sslmode: verify-full, sslrootcert: nowhere.pem }
                """).problem()).startsWith("cannot read the CA bundle");
    }

    private static String ca() throws IOException {
        Path ca = dir.resolve("ca.pem");
        Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
        return ca.toString();
    }
}
