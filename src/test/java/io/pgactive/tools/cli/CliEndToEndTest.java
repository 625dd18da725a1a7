package io.pgactive.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.EventType;
import io.pgactive.tools.contract.NodeHistory;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.sdk.ProblemException;
import io.pgactive.tools.sdk.ReplicationStateClient;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The SDK and the CLI against the running service over the demo cluster, every exit code provoked for real. */
@QuarkusTest
@QuarkusTestResource(value = DemoServiceResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliEndToEndTest {

    private String server;
    private ReplicationStateClient client;

    @BeforeEach
    void serviceWithHistory() {
        server = "http://localhost:" + RestAssured.port;
        client = ReplicationStateClient.builder(URI.create(server)).build();
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().untilAsserted(() -> {
            assertThat(client.getSnapshot().cluster().status()).isEqualTo(NodeStatus.HEALTHY);
            assertThat(client.nodeHistory("node1", null, null, null).points()).hasSizeGreaterThan(1);
            assertThat(client.conflicts(null, null, null, null)).isNotEmpty();
        });
    }

    @Test
    @Order(1)
    void sdkReadsTheSnapshotConditionallyAndTheHistory() {
        Snapshot s = client.getSnapshot();
        assertThat(s.nodes()).containsOnlyKeys("node1", "node2", "node3");
        assertThat(s.nodes().get("node3").metrics().inRecovery()).isTrue();
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(client.getSnapshotIfNewer(s.version()))
                        .hasValueSatisfying(n -> assertThat(n.version()).isGreaterThan(s.version())));
        // far ahead: never the latest, so a full body; the latest itself is a 304 unless a new one was published
        assertThat(client.getSnapshotIfNewer(Long.MAX_VALUE)).isPresent();
        Snapshot latest = client.getSnapshot();
        client.getSnapshotIfNewer(latest.version())
                .ifPresent(n -> assertThat(n.version()).isGreaterThan(latest.version()));

        assertThat(client.events("node1", "node_joined", null, 10))
                .extracting(Event::type)
                .containsOnly(EventType.NODE_JOINED)
                .isNotEmpty();
        assertThat(client.conflicts("node1", "public.app_events", Instant.now().minusSeconds(3600), null))
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.conflictType()).isEqualTo("update_delete");
                    assertThat(c.resolution()).isEqualTo("skip_change");
                });
        NodeHistory h = client.nodeHistory("node1", Instant.now().minusSeconds(600), null, Duration.ofHours(1));
        assertThat(h.step()).isEqualTo("PT1H");
        assertThat(h.points())
                .isNotEmpty()
                .allSatisfy(p -> assertThat(p.samples()).isPositive());
        assertThatThrownBy(() -> client.nodeHistory("nosuch", null, null, null))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.detail()).contains("nosuch");
                });
        assertThatThrownBy(() -> client.events(null, "no_such_type", null, null))
                .isInstanceOfSatisfying(
                        ProblemException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    @Order(2)
    void healthyClusterIsOkInEveryFormat() throws Exception {
        CliRun table = CliRun.inProcess("lag", "--server", server);
        assertThat(table.exit()).isZero();
        assertThat(table.firstLine()).startsWith("LAG OK: 3 nodes, max lag ");
        assertThat(table.out().lines())
                .allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80))
                .anySatisfy(l -> assertThat(l).matches("node1 +HEALTHY +ok .*"));
        assertThat(table.out()).doesNotContain("\u001b[");

        CliRun json = CliRun.inProcess(Map.of(PgactiveToolsCli.SERVER_ENV, server), false, "lag", "--format", "json");
        assertThat(json.exit()).isZero();
        JsonNode doc = SnapshotJson.MAPPER.readTree(json.out());
        assertThat(doc.get("result").asText()).isEqualTo("OK");
        assertThat(doc.get("exit_code").asInt()).isZero();
        assertThat(doc.get("service").asText()).isEqualTo(server);
        assertThat(doc.get("nodes")).hasSize(3);
        assertThat(doc.get("nodes").get(0).get("name").asText()).isEqualTo("node1");
        assertThat(doc.get("nodes").get(0).has("lag_seconds")).isTrue();

        CliRun nagios = CliRun.inProcess("lag", "-s", server, "--format", "nagios", "--node", "node1,node2");
        assertThat(nagios.exit()).isZero();
        assertThat(nagios.out().strip())
                .matches("PGACTIVE LAG OK: 2 nodes, .* \\| 'node1_lag'=[0-9.]+s;;;0; "
                        + "'node1_lag_bytes'=\\d+B;;;0; 'node2_lag'=.*");

        CliRun status = CliRun.inProcess("status", "--server", server);
        assertThat(status.exit()).isZero();
        assertThat(status.firstLine()).isEqualTo("STATUS OK: cluster HEALTHY, 3/3 nodes healthy");
        assertThat(SnapshotJson.MAPPER
                        .readTree(CliRun.inProcess("status", "-s", server, "-f", "json")
                                .out())
                        .get("cluster")
                        .get("nodes_total")
                        .asInt())
                .isEqualTo(3);

        CliRun unknownNode = CliRun.inProcess("lag", "--server", server, "--node", "node9");
        assertThat(unknownNode.exit()).isEqualTo(3);
        assertThat(unknownNode.firstLine()).startsWith("LAG UNKNOWN: no such node 'node9'");
    }

    @Test
    @Order(3)
    void conflictsAndHistory() throws Exception {
        CliRun list = CliRun.inProcess("conflicts", "--server", server, "--since", "1h");
        assertThat(list.exit()).isZero();
        assertThat(list.firstLine()).startsWith("CONFLICTS OK: 1 conflict since ");
        assertThat(list.out().lines())
                .allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80))
                .anySatisfy(l -> assertThat(l)
                        .matches("\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  node1  update_delete  skip_change  public.*"));
        JsonNode listed = SnapshotJson.MAPPER.readTree(
                CliRun.inProcess("conflicts", "-s", server, "-f", "json").out());
        assertThat(listed.get("conflicts").get(0).get("object_name").asText()).isEqualTo("app_events");
        assertThat(listed.get("counts").get("node1").asInt()).isEqualTo(1);

        CliRun crit =
                CliRun.inProcess("conflicts", "--server", server, "--node", "node1", "--warn", "1", "--crit", "1");
        assertThat(crit.exit()).isEqualTo(2);
        assertThat(crit.firstLine()).isEqualTo("CONFLICTS CRITICAL: node1 1 conflicts >= critical 1");

        CliRun none = CliRun.inProcess("conflicts", "--server", server, "--node", "node2", "--warn", "1", "-f", "json");
        assertThat(none.exit()).isZero();
        JsonNode doc = SnapshotJson.MAPPER.readTree(none.out());
        assertThat(doc.get("counts").get("node2").asInt()).isZero();
        assertThat(doc.get("conflicts")).isEmpty();

        CliRun history = CliRun.inProcess("history", "node1", "--server", server, "--since", "10m", "-f", "json");
        assertThat(history.exit()).isZero();
        JsonNode points = SnapshotJson.MAPPER.readTree(history.out()).get("points");
        assertThat(points.size()).isGreaterThan(1);
        assertThat(points.findValuesAsText("status")).contains("HEALTHY");
        CliRun stepped = CliRun.inProcess("history", "node1", "--server", server, "--step", "1h");
        assertThat(stepped.exit()).isZero();
        assertThat(stepped.out()).contains("SAMPLES").contains("HEALTHY");

        CliRun unknown = CliRun.inProcess("history", "nosuch", "--server", server);
        assertThat(unknown.exit()).isEqualTo(3);
        assertThat(unknown.firstLine()).isEqualTo("HISTORY UNKNOWN: unknown node 'nosuch'");
    }

    @Test
    @Order(4)
    void aSeparateProcessAgainstTheServiceAndAgainstNothing() throws Exception {
        CliRun ok = CliRun.process(Map.of(PgactiveToolsCli.SERVER_ENV, server), "lag");
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.firstLine()).startsWith("LAG OK: 3 nodes");

        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        CliRun down = CliRun.process(Map.of(), "lag", "--server", "http://127.0.0.1:" + closed);
        assertThat(down.exit()).isEqualTo(3);
        assertThat(down.firstLine()).startsWith("LAG UNKNOWN: service unreachable");

        CliRun usage = CliRun.process(Map.of(), "lag", "--frobnicate");
        assertThat(usage.exit()).isEqualTo(3);
        assertThat(usage.err()).contains("Unknown option: '--frobnicate'").contains("Usage: pgactive-tools lag");
    }

    @Test
    @Order(4)
    void watchFollowsVersionsInPlaceOnATerminalAndAsLinesWhenPiped() throws Exception {
        CliRun piped = CliRun.inProcess("watch", "--server", server, "--count", "3");
        assertThat(piped.exit()).isZero();
        assertThat(piped.out().lines())
                .hasSize(3)
                .allSatisfy(l -> assertThat(l)
                        .matches("WATCH OK: version \\d+ \\S+ node1=HEALTHY/[0-9.]+s node2=HEALTHY.* node3=HEALTHY.*"));
        List<Long> versions =
                piped.out().lines().map(l -> Long.parseLong(l.split(" ")[3])).toList();
        assertThat(versions).isSorted().doesNotHaveDuplicates();

        CliRun json = CliRun.inProcess("watch", "--server", server, "--count", "2", "--node", "node2", "-f", "json");
        assertThat(json.exit()).isZero();
        for (String line : json.out().lines().toList()) {
            JsonNode doc = SnapshotJson.MAPPER.readTree(line);
            assertThat(doc.get("result").asText()).isEqualTo("OK");
            assertThat(doc.get("snapshot").get("nodes").fieldNames())
                    .toIterable()
                    .containsExactly("node2");
            assertThat(doc.get("snapshot").get("version").asLong())
                    .isEqualTo(doc.get("version").asLong());
        }

        CliRun tty = CliRun.terminal("watch", "--server", server, "--count", "2");
        assertThat(tty.exit()).as(tty.out()).isZero();
        String screen = tty.out().replace("\r", "");
        assertThat(screen.split(Pattern.quote(WatchCommand.CLEAR), -1)).hasSize(3);
        assertThat(screen)
                .contains("\u001b[32mWATCH OK\u001b[0m: version ")
                .contains("(Ctrl-C to stop)")
                .contains("\u001b[32mHEALTHY\u001b[0m");

        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        CliRun down = CliRun.inProcess("watch", "--server", "http://127.0.0.1:" + closed);
        assertThat(down.exit()).isEqualTo(3);
        assertThat(down.firstLine()).startsWith("WATCH UNKNOWN: service unreachable");
    }

    @Test
    @Order(5)
    void aStalledSubscriberIsAWarningThenCriticalByFlag() throws Exception {
        PgNode node1 = DemoServiceResource.cluster.node("node1");
        PgNode node2 = DemoServiceResource.cluster.node("node2");
        node2.disableSubscription(PgCluster.SUB_NODE2_FROM_NODE1);
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        PgCluster.insertEvent(node1, "while node2 does not apply");
                        assertThat(client.getSnapshot().nodes().get("node1").status())
                                .isEqualTo(NodeStatus.DEGRADED);
                    });
            CliRun quiet = CliRun.inProcess("lag", "--server", server, "--node", "node1");
            assertThat(quiet.exit()).isZero();
            assertThat(quiet.summary()).startsWith("LAG OK: node1 ").endsWith("(warning only; --fail-on-warn exits 1)");

            CliRun warn = CliRun.process(Map.of(), "lag", "--server", server, "--node", "node1", "--fail-on-warn");
            assertThat(warn.exit()).as(warn.out()).isEqualTo(1);
            assertThat(warn.firstLine()).startsWith("LAG WARNING: node1 ");

            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            client.getSnapshot().nodes().get("node1").metrics().lagSeconds() >= 2.0);
            CliRun crit =
                    CliRun.process(Map.of(), "lag", "--server", server, "--warn", "0.5", "--crit", "1.5", "-f", "json");
            assertThat(crit.exit()).as(crit.out()).isEqualTo(2);
            JsonNode doc = SnapshotJson.MAPPER.readTree(crit.out());
            assertThat(doc.get("result").asText()).isEqualTo("CRITICAL");
            assertThat(doc.get("nodes").get(0).get("result").asText()).isEqualTo("CRITICAL");
            assertThat(doc.get("nodes").get(0).get("reason").asText()).contains(">= critical 1.5s");

            CliRun loosened = CliRun.inProcess(
                    "lag", "--server", server, "--node", "node1", "--crit", "100000", "--fail-on-warn");
            assertThat(loosened.exit()).as(loosened.out()).isZero();
        } finally {
            node2.enableSubscription(PgCluster.SUB_NODE2_FROM_NODE1);
        }
    }

    @Test
    @Order(6)
    void aDownNodeIsUnknownNodeUnreachable() {
        PgNode node3 = DemoServiceResource.cluster.node("node3");
        node3.stop();
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(
                                client.getSnapshot().nodes().get("node3").status())
                        .isEqualTo(NodeStatus.DOWN));
        CliRun status = CliRun.inProcess("status", "--server", server);
        assertThat(status.exit()).isEqualTo(3);
        assertThat(status.summary()).startsWith("STATUS UNKNOWN: ").contains("node3 DOWN (node unreachable");
        CliRun lag = CliRun.inProcess("lag", "--server", server, "--node", "node3", "-f", "nagios");
        assertThat(lag.exit()).isEqualTo(3);
        assertThat(lag.out())
                .startsWith("PGACTIVE LAG UNKNOWN: node3 node unreachable")
                .contains("'node3_lag'=");
    }
}
