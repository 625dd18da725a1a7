package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.StandaloneCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scrapes over TLS against a real server with a certificate from a CA of the test's own: the scrape's pipelined
 * statements and its custom queries pass the write coalescing that sits between the TLS layer and the client's
 * protocol codec, and a certificate the client must not trust, or a server without TLS, fails the node with an error
 * an operator can act on.
 */
class TlsScrapeTest {

    private static final String COLLECTOR = "interval: 5s\ntimeout: 4s\nbackoff_max: 2s\n";

    @RegisterExtension
    static final StandaloneCluster tls = new StandaloneCluster().withTls();

    @RegisterExtension
    static final StandaloneCluster plain = new StandaloneCluster();

    @Test
    void verifiedTlsReadsTheNodeAndItsCustomQueriesOverAnEncryptedSession() throws Exception {
        PgNode node = tls.node();
        Path svc = tls.dir().resolve("verified");
        Path queries = svc.resolve("queries");
        Files.createDirectories(queries);
        Files.writeString(queries.resolve("answer.sql"), "-- values: n:gauge\nSELECT 42 AS n");
        Files.writeString(queries.resolve("rows.sql"), """
                -- labels: g
                -- values: n:gauge
                SELECT g::text AS g, g AS n FROM generate_series(1, 200) g ORDER BY g
                """);
        String app = "tls-verified";
        try (CollectorHarness h = new CollectorHarness(
                svc,
                COLLECTOR,
                List.of(node),
                Map.of("node1", verifyFull(node, tls.certificates().caCert(), app)))) {
            h.awaitAllHealthy();
            for (int i = 0; i < 3; i++) {
                NodeState n = h.node("node1");
                assertThat(n.status()).isEqualTo(NodeStatus.HEALTHY);
                assertThat(n.error()).isNull();
                assertThat(n.customErrors()).isEmpty();
                assertThat(n.custom()).containsEntry("answer", 42L);
                assertThat(n.custom().get("rows")).asList().hasSize(200);
            }
            // the server's view of the monitor's session: encrypted, and no plain one beside it
            assertThat(node.queryString(
                            "SELECT string_agg(s.ssl::text, ',') FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)"
                                    + " WHERE a.application_name = ?",
                            app))
                    .isEqualTo("true");
            assertThat(node.queryString(
                            "SELECT s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)"
                                    + " WHERE a.application_name = ?",
                            app))
                    .startsWith("TLS");
        }
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefusedBeforeThePasswordIsSent() throws Exception {
        PgNode node = tls.node();
        Path otherCa = tls.certificates().otherCaCert();
        String app = "tls-wrong-ca";
        try (CollectorHarness h = new CollectorHarness(
                tls.dir().resolve("wrong-ca"),
                COLLECTOR,
                List.of(node),
                Map.of("node1", verifyFull(node, otherCa, app)))) {
            NodeState n = h.node("node1");
            assertThat(n.status()).isNotEqualTo(NodeStatus.HEALTHY);
            assertThat(n.errorClass()).isEqualTo("connect");
            assertThat(n.error())
                    .containsIgnoringCase("ssl")
                    .contains("sslmode verify-full: the server's certificate must be signed by a CA in " + otherCa)
                    .doesNotContain(node.password());
            // a refused handshake ends the connection before the startup message: the server never saw this client log
            // in
            assertThat(node.queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?", app))
                    .isZero();
            // and the next cycles keep failing the same way rather than falling back to a plain connection
            NodeState again = h.node("node1");
            assertThat(again.errorClass()).isEqualTo("connect");
            assertThat(again.consecutiveFailures()).isGreaterThan(n.consecutiveFailures());
        }
    }

    @Test
    void requiredTlsAgainstAServerWithoutItFailsTheNodeClearly() throws Exception {
        PgNode node = plain.node();
        assertThat(node.queryString("SHOW ssl")).isEqualTo("off");
        try (CollectorHarness h = new CollectorHarness(
                plain.dir().resolve("require"),
                COLLECTOR,
                List.of(node),
                Map.of("node1", node.dsn() + "?sslmode=require&application_name=tls-required"))) {
            NodeState n = h.node("node1");
            assertThat(n.status()).isNotEqualTo(NodeStatus.HEALTHY);
            assertThat(n.errorClass()).isEqualTo("connect");
            assertThat(n.error()).containsIgnoringCase("ssl").doesNotContain(node.password());
            assertThat(node.queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tls-required'"))
                    .isZero();
        }
        // the same server is read without TLS when the DSN allows it: the failure above was the missing TLS
        try (CollectorHarness h =
                new CollectorHarness(plain.dir().resolve("prefer"), COLLECTOR, List.of(node), Map.of())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> h.node("node1").status() == NodeStatus.HEALTHY);
        }
    }

    private static String verifyFull(PgNode node, Path rootCert, String applicationName) {
        return node.dsn() + "?sslmode=verify-full&sslrootcert=" + rootCert + "&application_name=" + applicationName;
    }
}
