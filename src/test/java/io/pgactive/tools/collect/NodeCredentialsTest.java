package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.TracerProvider;
import io.pgactive.tools.config.ConfigLoader;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.config.credentials.Credentials;
import io.pgactive.tools.config.credentials.IamTokens;
import io.pgactive.tools.config.credentials.SecretStore;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.snapshot.VersionSequence;
import io.pgactive.tools.testing.FakeSecretsManager;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.TestCertificates;
import io.vertx.mutiny.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Node connections with credentials from references and IAM tokens, over verified TLS, against a real PostgreSQL whose
 * CA and server certificate the test makes with openssl; a rotated password is picked up without a restart, and no
 * secret value reaches a snapshot, an error or a log line.
 */
class NodeCredentialsTest {

    private static final String FIRST = "first-Rotating-pw-71";
    private static final String SECOND = "second-Rotating-pw-72";
    private static final String MONITOR_SECRET = "monitor";
    private static final String ROTATING_SECRET = "rotating";

    @TempDir
    static Path dir;

    static PgNode pg;
    static FakeSecretsManager endpoint;
    static final List<String> secrets = new CopyOnWriteArrayList<>();
    static final List<String> logLines = new CopyOnWriteArrayList<>();
    static final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logLines.add(r instanceof ExtLogRecord ext ? ext.getFormattedMessage() : String.valueOf(r.getMessage()));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeAll
    static void start() throws Exception {
        // for 127.0.0.1 only: connecting by the name localhost is a host name the certificate does not carry
        TestCertificates.create(dir, "IP:127.0.0.1");
        pg = PgNode.create("tls", dir);
        pg.execute("ALTER SYSTEM SET ssl_cert_file = '" + dir.resolve("server.crt") + "'");
        pg.execute("ALTER SYSTEM SET ssl_key_file = '" + dir.resolve("server.key") + "'");
        pg.execute("ALTER SYSTEM SET ssl = on");
        pg.execute("SELECT pg_reload_conf()");
        pg.execute("CREATE ROLE iam_user SUPERUSER LOGIN");
        pg.execute("CREATE ROLE rotating SUPERUSER LOGIN PASSWORD '" + FIRST + "'");
        secrets.add(pg.password());
        secrets.add(FIRST);
        secrets.add(SECOND);
        endpoint = FakeSecretsManager.start(dir.resolve("endpoint"));
        endpoint.put(MONITOR_SECRET, "{\"username\":\"monitor\",\"password\":\"" + pg.password() + "\"}");
        endpoint.put(
                ROTATING_SECRET,
                "{\"host\":\"127.0.0.1\",\"port\":" + pg.port() + ",\"username\":\"rotating\",\"password\":\"" + FIRST
                        + "\",\"dbname\":\"postgres\"}");
        Logger.getLogger("").addHandler(capture);
    }

    @AfterAll
    static void stop() throws Exception {
        Logger.getLogger("").removeHandler(capture);
        if (endpoint != null) {
            endpoint.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    /** The SDK's real token generator; the test's RDS stand-in accepts exactly the token it made, as RDS would. */
    static final class AcceptingIamTokens extends IamTokens {
        final List<String> issued = new CopyOnWriteArrayList<>();

        AcceptingIamTokens() {
            super(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDIAMTEST", "iam-secret-key")));
        }

        @Override
        public String token(Optional<String> region, String host, int port, String user) {
            String token = super.token(region, host, port, user);
            issued.add(token);
            secrets.add(token);
            pg.execute("ALTER ROLE " + user + " PASSWORD '" + token + "'");
            return token;
        }
    }

    private record Running(Collector collector, Vertx vertx) implements AutoCloseable {
        Snapshot cycle() {
            return collector.runCycle().await().atMost(Duration.ofSeconds(60)).snapshot();
        }

        @Override
        public void close() {
            collector.stop();
            vertx.closeAndAwait();
        }
    }

    private Running collector(String name, String nodesYaml, IamTokens iam) throws IOException {
        Path work = dir.resolve(name);
        Files.createDirectories(work);
        Path yaml = work.resolve("tools.yaml");
        Files.writeString(yaml, """
                credentials: { cache_ttl: 1h }
                collector:
                  interval: 2s
                  timeout: 1500ms
                  nodes:
                """ + nodesYaml.indent(4) + "database: { path: " + work.resolve("history.db") + " }\n");
        List<SecretStore> stores = new ArrayList<>();
        ToolsConfig config = new ConfigLoader(Map.of(), settings -> {
                    SecretStore s = new SecretStore(settings, Map.of(), endpoint::client, Clock.systemUTC());
                    stores.add(s);
                    return s;
                })
                .load(yaml);
        Credentials credentials = new Credentials(
                new SecretStore(config.secrets(), Map.of(), endpoint::client, Clock.systemUTC()),
                iam,
                Clock.systemUTC());
        Vertx vertx = Vertx.vertx();
        Collector collector = new Collector(
                config,
                List.of(),
                vertx,
                new SnapshotBus(),
                new VersionSequence(
                        new VersionSequence.Mark() {
                            @Override
                            public long read() {
                                return 0;
                            }

                            @Override
                            public void reserve(long upTo) {}
                        },
                        1000),
                stats -> {},
                TracerProvider.noop().get("test"),
                credentials);
        return new Running(collector, vertx);
    }

    private static String dsn(String host) {
        return "postgres://monitor@" + host + ":" + pg.port() + "/postgres";
    }

    private static void assertNoSecretIn(String where, String text) {
        for (String secret : secrets) {
            assertThat(text).as("%s must not contain a secret value", where).doesNotContain(secret);
        }
    }

    private static void assertNoSecretIn(Snapshot snapshot) {
        assertNoSecretIn("the snapshot", new String(SnapshotJson.encode(snapshot), StandardCharsets.UTF_8));
    }

    @Test
    void verifiedTlsAcceptsTheRightServerAndRefusesAWrongCaOrHostName() throws Exception {
        String ca = dir.resolve("ca.crt").toString();
        String otherCa = dir.resolve("other-ca.crt").toString();
        String nodes = """
                - { name: ok, dsn: "%s", password: "secret://monitor#password", sslmode: verify-full, sslrootcert: "%s" }
                - { name: ca, dsn: "%s", password: "secret://monitor#password", sslmode: verify-ca, sslrootcert: "%s" }
                - { name: wrong-ca, dsn: "%s", password: "secret://monitor#password", sslmode: verify-full, sslrootcert: "%s" }
                - { name: wrong-host, dsn: "%s", password: "secret://monitor#password", sslmode: verify-full, sslrootcert: "%s" }
                """.formatted(
                        dsn("127.0.0.1"), ca, dsn("127.0.0.1"), ca, dsn("127.0.0.1"), otherCa, dsn("localhost"), ca);
        try (Running r = collector("tls", nodes, new IamTokens())) {
            Snapshot s = r.cycle();
            for (int i = 0; i < 10 && s.nodes().get("ok").status() != NodeStatus.HEALTHY; i++) {
                s = r.cycle(); // a cold JVM's first cycle may miss its deadline
            }
            assertThat(s.nodes().get("ok").status()).isEqualTo(NodeStatus.HEALTHY);
            assertThat(s.nodes().get("ca").status()).isEqualTo(NodeStatus.HEALTHY);
            assertThat(r.collector().nodes().get(0).dsn().option("sslmode")).contains("verify-full");

            for (String refused : List.of("wrong-ca", "wrong-host")) {
                NodeState n = s.nodes().get(refused);
                assertThat(n.status()).as(refused).isNotEqualTo(NodeStatus.HEALTHY);
                assertThat(n.errorClass()).as(refused).isEqualTo("connect");
                assertThat(n.error())
                        .as(refused)
                        .contains("sslmode verify-full")
                        .contains(dir.resolve(refused.equals("wrong-ca") ? "other-ca.crt" : "ca.crt")
                                .toString());
            }
            assertThat(s.nodes().get("wrong-host").error()).contains("name the host localhost");
            assertThat(tlsWasUsed()).isTrue();
            assertNoSecretIn(s);
        }
        assertNoSecretIn("the log", String.join("\n", logLines));
    }

    /** The server saw the monitor over TLS: pg_stat_ssl lists encrypted sessions. */
    private static boolean tlsWasUsed() {
        return pg.queryLong("SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)"
                        + " WHERE s.ssl AND a.application_name = 'pgactive-tools'")
                > 0;
    }

    @Test
    void anIamTokenIsThePasswordOverTls() throws Exception {
        AcceptingIamTokens iam = new AcceptingIamTokens();
        String nodes = """
                - name: iam
                  dsn: "postgres://iam_user@127.0.0.1:%d/postgres"
                  auth: iam
                  region: eu-west-1
                  sslmode: verify-full
                  sslrootcert: "%s"
                """.formatted(pg.port(), dir.resolve("ca.crt"));
        try (Running r = collector("iam", nodes, iam)) {
            Snapshot s = r.cycle();
            for (int i = 0; i < 10 && s.nodes().get("iam").status() != NodeStatus.HEALTHY; i++) {
                s = r.cycle();
            }
            assertThat(s.nodes().get("iam").status()).isEqualTo(NodeStatus.HEALTHY);
            assertThat(iam.issued).hasSize(1);
            assertThat(iam.issued.get(0))
                    .startsWith("127.0.0.1:" + pg.port() + "/?")
                    .contains("Action=connect")
                    .contains("DBUser=iam_user")
                    .contains("%2Feu-west-1%2Frds-db%2Faws4_request");

            // the server stops accepting the token (it expired): the next connection gets a fresh one
            pg.execute("ALTER ROLE iam_user PASSWORD 'no-longer-the-token'");
            pg.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'iam_user'");
            boolean recovered = false;
            for (int i = 0; i < 5 && !recovered; i++) {
                recovered = r.cycle().nodes().get("iam").status() == NodeStatus.HEALTHY && iam.issued.size() == 2;
            }
            assertThat(recovered)
                    .as("a refused token is replaced by a fresh one")
                    .isTrue();
            assertNoSecretIn(s);
        }
        assertNoSecretIn("the log", String.join("\n", logLines));
    }

    @Test
    void aRotatedPasswordIsFetchedAgainAfterTheServerRefusesTheOldOne() throws Exception {
        String nodes = """
                - { name: rotating, dsn: "secret://rotating" }
                """;
        try (Running r = collector("rotation", nodes, new IamTokens())) {
            Snapshot s = r.cycle();
            for (int i = 0; i < 10 && s.nodes().get("rotating").status() != NodeStatus.HEALTHY; i++) {
                s = r.cycle();
            }
            assertThat(s.nodes().get("rotating").status()).isEqualTo(NodeStatus.HEALTHY);
            long fetches = fetches(ROTATING_SECRET);

            // rotation as Secrets Manager does it: the secret and the server change, sessions are dropped
            endpoint.put(
                    ROTATING_SECRET,
                    "{\"host\":\"127.0.0.1\",\"port\":" + pg.port() + ",\"username\":\"rotating\",\"password\":\""
                            + SECOND + "\",\"dbname\":\"postgres\"}");
            pg.execute("ALTER ROLE rotating PASSWORD '" + SECOND + "'");
            pg.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'rotating'");

            List<String> classes = new ArrayList<>();
            NodeState n = null;
            // the dropped session (connect), the old password refused (auth), then the fresh one: no back-off yet
            for (int i = 0; i < 4; i++) {
                Snapshot next = r.cycle();
                assertNoSecretIn(next);
                n = next.nodes().get("rotating");
                if (n.consecutiveFailures() == 0) {
                    break;
                }
                classes.add(n.errorClass());
            }
            assertThat(n.consecutiveFailures())
                    .as("recovered after %s", classes)
                    .isZero();
            assertThat(n.status()).isEqualTo(NodeStatus.HEALTHY);
            assertThat(classes).contains("auth").hasSizeLessThanOrEqualTo(2);
            assertThat(fetches(ROTATING_SECRET) - fetches)
                    .as("one fresh read after the refusal, none per cycle (the TTL is an hour)")
                    .isEqualTo(1);
        }
        assertNoSecretIn("the log", String.join("\n", logLines));
    }

    @Test
    void aSecretThatCannotBeReadMarksOnlyItsNode() throws Exception {
        endpoint.put("short-lived", "{\"password\":\"" + pg.password() + "\"}");
        String nodes = """
                - { name: fine, dsn: "%s", password: "secret://monitor#password" }
                - { name: lost, dsn: "%s", password: "secret://short-lived#password" }
                """.formatted(dsn("127.0.0.1"), dsn("127.0.0.1"));
        try (Running r = collector("lost", nodes, new IamTokens())) {
            endpoint.put("short-lived", "{\"other\":\"x\"}");
            // the start-up check cached nothing for the collector: its first read meets the changed secret
            Snapshot s = r.cycle();
            for (int i = 0; i < 10 && s.nodes().get("fine").status() != NodeStatus.HEALTHY; i++) {
                s = r.cycle();
            }
            assertThat(s.nodes().get("fine").status()).isEqualTo(NodeStatus.HEALTHY);
            NodeState lost = s.nodes().get("lost");
            assertThat(lost.errorClass()).isEqualTo("secret");
            assertThat(lost.error()).startsWith("secret://short-lived#password: the secret's JSON has no 'password'");
            assertNoSecretIn(s);
        }
    }

    private static long fetches(String secret) {
        return endpoint.requests().stream()
                .filter(q -> secret.equals(q.secretId()))
                .count();
    }
}
