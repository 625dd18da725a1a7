package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.config.CustomQuery;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.sql.SqlFiles;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.StandaloneCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Nodes that go away, come back, refuse our password, or answer on a restarted service. */
class NodeFailureTest {

    @RegisterExtension
    static final StandaloneCluster pg = new StandaloneCluster(2);

    @Test
    void downNodeIsDegradedAfterThreeCyclesDownAfterTenAndHealthyOnFirstSuccess() throws Exception {
        PgNode node1 = pg.node("node1");
        try (CollectorHarness h = new CollectorHarness(
                pg.dir().resolve("down"),
                "interval: 1s\nbackoff_max: 1s\n",
                pg.cluster().nodes())) {
            h.awaitAllHealthy();
            Snapshot healthy = h.cycle();
            node1.stop();
            for (int cycle = 1; cycle <= 11; cycle++) {
                Snapshot s = h.cycle();
                NodeState down = s.nodes().get("node1");
                NodeStatus expected =
                        cycle >= 10 ? NodeStatus.DOWN : cycle >= 3 ? NodeStatus.DEGRADED : NodeStatus.HEALTHY;
                assertThat(down.status())
                        .as("cycle %d: %s", cycle, down.error())
                        .isEqualTo(expected);
                assertThat(down.consecutiveFailures()).isEqualTo(cycle);
                assertThat(down.errorClass()).isEqualTo("connect");
                assertThat(down.readAt())
                        .as("last good values keep their read time")
                        .isEqualTo(healthy.nodes().get("node1").readAt());
                assertThat(down.lastSuccessAt())
                        .isEqualTo(healthy.nodes().get("node1").lastSuccessAt());
                assertThat(s.nodes().get("node2").status()).isEqualTo(NodeStatus.HEALTHY);
                assertThat(s.nodes().get("node2").readAt())
                        .isAfter(healthy.nodes().get("node2").readAt());
            }
            node1.start();
            // back-off may skip a cycle or two; the first successful scrape brings it straight back
            await().atMost(Duration.ofSeconds(20)).pollInterval(h.interval()).untilAsserted(() -> {
                NodeState back = h.node("node1");
                assertThat(back.status()).isEqualTo(NodeStatus.HEALTHY);
                assertThat(back.consecutiveFailures()).isZero();
                assertThat(back.error()).isNull();
            });
        } finally {
            node1.start();
        }
    }

    @Test
    void wrongPasswordIsAnAuthErrorAndNoPasswordIsEverPrinted() throws Exception {
        PgNode node2 = pg.node("node2");
        String wrong = "Wr0ngPassw0rd-" + System.nanoTime();
        String badDsn = node2.dsn().replace(node2.password(), wrong);
        List<String> logs = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logs.add(r.getMessage() + " " + Arrays.toString(r.getParameters()) + " " + r.getThrown());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger root = Logger.getLogger("io.pgactive");
        root.addHandler(capture);
        try (CollectorHarness h = new CollectorHarness(
                pg.dir().resolve("auth"), "interval: 1s\n", List.of(node2), Map.of("node2", badDsn))) {
            for (int i = 0; i < 3; i++) {
                Snapshot s = h.cycle();
                NodeState n = s.nodes().get("node2");
                assertThat(n.errorClass()).isEqualTo("auth");
                assertThat(n.error()).contains("password authentication failed");
                String json = new String(SnapshotJson.encode(s), StandardCharsets.UTF_8);
                assertThat(json).doesNotContain(wrong).doesNotContain(node2.password());
            }
            assertThat(h.config.collector().nodes().get(0).dsn().toString()).doesNotContain(wrong);
        } finally {
            root.removeHandler(capture);
        }
        assertThat(logs).isNotEmpty().noneMatch(l -> l.contains(wrong) || l.contains(node2.password()));
    }

    @Test
    void versionsKeepIncreasingAcrossARestartOfTheService() {
        Path svc = pg.dir().resolve("restart");
        long last;
        try (CollectorHarness first =
                new CollectorHarness(svc, "interval: 1s\n", pg.cluster().nodes())) {
            long v1 = first.cycle().version();
            last = first.cycle().version();
            assertThat(last).isEqualTo(v1 + 1);
        }
        try (CollectorHarness second =
                new CollectorHarness(svc, "interval: 1s\n", pg.cluster().nodes())) {
            long next = second.cycle().version();
            assertThat(next).isGreaterThan(last);
            assertThat(second.cycle().version()).isEqualTo(next + 1);
            assertThat(second.bus.latest())
                    .get()
                    .satisfies(p -> assertThat(p.version()).isEqualTo(next + 1));
        }
    }

    @Test
    void customQueriesReportValuesAndABrokenOneMarksOnlyItsMetric() throws Exception {
        Path svc = pg.dir().resolve("custom");
        Path queries = svc.resolve("queries");
        Files.createDirectories(queries);
        Files.writeString(queries.resolve("answer.sql"), "-- values: n:gauge\nSELECT 42 AS n");
        Files.writeString(queries.resolve("settings.sql"), """
                -- labels: name
                -- values: value:gauge
                SELECT name, setting::int AS value FROM pg_settings WHERE name IN ('max_connections', 'port') ORDER BY name
                """);
        Files.writeString(queries.resolve("broken.sql"), "-- values: n:gauge\nSELECT n FROM no_such_table");
        Files.writeString(
                queries.resolve("slow.sql"), "-- values: n:gauge\n-- timeout: 100ms\nSELECT 1 AS n FROM pg_sleep(1)");
        Files.writeString(
                queries.resolve("future.sql"), "-- values: n:gauge\n-- min_server_version: 99\nSELECT 1 AS n");
        Files.writeString(queries.resolve("standby_only.sql"), "-- values: n:gauge\n-- role: standby\nSELECT 1 AS n");
        Files.writeString(queries.resolve("textual.sql"), "-- values: n:gauge\nSELECT 'x' AS n");
        PgNode node = pg.node("node2");
        try (CollectorHarness h = new CollectorHarness(svc, "interval: 2s\n", List.of(node))) {
            h.awaitAllHealthy();
            NodeState n = h.node("node2");
            assertThat(n.status()).isEqualTo(NodeStatus.HEALTHY);
            assertThat(n.custom()).containsEntry("answer", 42L);
            assertThat(n.custom().get("settings"))
                    .asList()
                    .hasSize(2)
                    .first()
                    .asString()
                    .contains("name=max_connections");
            assertThat(n.custom()).containsKey("broken").doesNotContainKeys("future", "standby_only");
            assertThat(n.custom().get("broken")).isNull();
            assertThat(n.customErrors()).containsKeys("broken", "slow", "textual");
            assertThat(n.customErrors().get("broken")).contains("no_such_table");
            assertThat(n.customErrors().get("slow")).contains("statement timeout");
            // the per-query timeout was reset: the next query on the same session is not limited to 100ms
            assertThat(h.node("node2").customErrors()).doesNotContainKey("answer");
        }
    }
    /**
     * The custom queries are sent together and run one after the other on the server: each one's statement timeout is
     * what is left of the node deadline when it starts, not its own timeout alone, so the server is done with them by
     * the deadline. A query reads the timeout it runs under.
     */
    @Test
    void eachCustomQueryRunsUnderWhatIsLeftOfTheNodeDeadline() throws Exception {
        Path svc = pg.dir().resolve("custom-budget");
        Path queries = svc.resolve("queries");
        Files.createDirectories(queries);
        Files.writeString(
                queries.resolve("a_sleep.sql"),
                "-- values: n:gauge\n-- timeout: 700ms\nSELECT 1 AS n FROM pg_sleep(0.3)");
        Files.writeString(queries.resolve("b_timeout.sql"), """
                -- values: ms:gauge
                -- timeout: 700ms
                SELECT setting::bigint AS ms FROM pg_settings WHERE name = 'statement_timeout'
                """);
        PgNode node = pg.node("node2");
        try (CollectorHarness h = new CollectorHarness(svc, "interval: 2s\ntimeout: 1s\n", List.of(node))) {
            h.awaitAllHealthy();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                NodeState n = h.cycle().nodes().get("node2");
                assertThat(n.customErrors()).isEmpty();
                assertThat(n.custom()).containsEntry("a_sleep", 1L);
                // 1 s deadline, less the margin and the 0.3 s the first query slept: under its own 700 ms
                assertThat((Long) n.custom().get("b_timeout")).isBetween(1L, 680L);
            });
        }
    }

    /**
     * The timeout a custom query runs under is cut to the deadline its own scrape left in the session, never to one
     * another scrape left there (a pooler may hand a session over between the two): that one may have long passed.
     */
    @Test
    void aCustomQueryReadsOnlyItsOwnScrapesDeadline() throws Exception {
        CustomQuery timeoutReader = new CustomQuery(
                "timeout",
                "the statement timeout the query runs under",
                List.of(),
                List.of(new CustomQuery.Value("ms", CustomQuery.Type.GAUGE, null)),
                0,
                CustomQuery.Role.ANY,
                Duration.ofMillis(700),
                "SELECT setting::bigint AS ms FROM pg_settings WHERE name = 'statement_timeout'",
                pg.dir().resolve("timeout.sql"),
                1);
        try (Connection c = pg.node("node1").connect();
                Statement st = c.createStatement()) {
            // another scrape's deadline, passed a minute ago
            leaveDeadline(st, 41, -60_000);
            assertThat(timeoutUnder(st, CustomQueryRunner.statement(timeoutReader, 42)))
                    .isEqualTo(700);
            // its own deadline, passed: the least timeout that is still one (1 ms), which cancels the query unless it
            // finished within that millisecond
            leaveDeadline(st, 42, -60_000);
            long underPassed;
            try {
                underPassed = timeoutUnder(st, CustomQueryRunner.statement(timeoutReader, 42));
            } catch (SQLException cancelled) {
                assertThat(cancelled.getMessage()).contains("statement timeout");
                underPassed = 1;
            }
            assertThat(underPassed).isEqualTo(1);
            // its own deadline, 300 ms ahead: under it
            leaveDeadline(st, 42, 300);
            assertThat(timeoutUnder(st, CustomQueryRunner.statement(timeoutReader, 42)))
                    .isBetween(1L, 300L);
            // its own deadline, far ahead: the query's own timeout
            leaveDeadline(st, 42, 60_000);
            assertThat(timeoutUnder(st, CustomQueryRunner.statement(timeoutReader, 42)))
                    .isEqualTo(700);
        }
    }

    /** Runs the node's own statement as a scrape does, leaving scrape {@code id}'s deadline {@code millis} ahead. */
    private static void leaveDeadline(Statement st, long id, long millis) throws Exception {
        String node = SqlFiles.load("node").replace("$1", Long.toString(id)).replace("$2", Long.toString(millis));
        st.execute(node);
    }

    private static long timeoutUnder(Statement st, String customStatement) throws Exception {
        st.execute(customStatement);
        assertThat(st.getMoreResults()).isTrue();
        try (ResultSet rs = st.getResultSet()) {
            assertThat(rs.next()).isTrue();
            return rs.getLong("ms");
        }
    }
}
