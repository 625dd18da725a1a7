package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.config.CustomQuery;
import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.StandaloneCluster;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.SqlConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The custom queries are prepared once per connection and run from their prepared plans: the server does not parse and
 * plan them every cycle. A new connection gets them prepared again before they run; a session that lost them (a
 * pooler) makes the runner fall back to plain text, with the same answers.
 */
class PreparedCustomQueriesTest {

    @RegisterExtension
    static final StandaloneCluster pg = new StandaloneCluster(1);

    /** What the session a custom query runs in holds: our prepared statements, when the newest was prepared, who. */
    private static final String SESSION_QUERY = """
            -- values: statements:gauge, prepared_at:gauge, backend:gauge
            SELECT count(*) AS statements,
                   coalesce(extract(epoch FROM max(prepare_time)), 0)::float8 AS prepared_at,
                   pg_backend_pid() AS backend
              FROM pg_prepared_statements
             WHERE name LIKE 'pgactive\\_tools\\_%'
            """;

    @Test
    void customQueriesArePreparedOncePerConnectionAndAgainOnANewOne() throws Exception {
        Path svc = pg.dir().resolve("prepared");
        Path queries = svc.resolve("queries");
        Files.createDirectories(queries);
        Files.writeString(queries.resolve("answer.sql"), "-- values: n:gauge\nSELECT 42 AS n");
        Files.writeString(queries.resolve("session.sql"), SESSION_QUERY);
        Files.writeString(queries.resolve("wrong.sql"), "-- values: n:gauge\nSELECT n FROM no_such_table");
        PgNode node = pg.node("node1");
        try (CollectorHarness h = new CollectorHarness(svc, "interval: 2s\n", List.of(node))) {
            h.awaitAllHealthy();
            List<Map<String, Object>> sessions = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                NodeState n = h.node("node1");
                assertAnswered(n);
                sessions.add(session(n));
            }
            // the timeout statement and the two queries that prepare; the wrong one never does, and says why
            assertThat(sessions).allSatisfy(s -> assertThat(s).containsEntry("statements", 3L));
            // prepared on the first cycle, not again
            assertThat(sessions)
                    .extracting(s -> s.get("prepared_at"))
                    .containsOnly(sessions.get(0).get("prepared_at"));

            node.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE application_name = 'pgactive-tools' AND pid <> pg_backend_pid()");
            List<NodeState> after = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                NodeState n = h.node("node1");
                after.add(n);
                assertThat(n.status()).isEqualTo(NodeStatus.HEALTHY);
                assertThat(session(n).get("backend"))
                        .isNotEqualTo(sessions.get(0).get("backend"));
            });
            // every cycle the node answered on its new connection ran its custom queries, prepared there first
            assertThat(after)
                    .filteredOn(n -> n.status() == NodeStatus.HEALTHY)
                    .isNotEmpty()
                    .allSatisfy(n -> {
                        assertAnswered(n);
                        assertThat(session(n)).containsEntry("statements", 3L);
                    });
        }
    }

    @Test
    void aSessionThatLostItsStatementsFallsBackToPlainTextWithTheSameAnswers() throws Exception {
        PgNode node = pg.node("node1");
        Vertx vertx = Vertx.vertx();
        AtomicLong connectionsOpened = new AtomicLong(1);
        CustomQueryRunner runner = new CustomQueryRunner(
                "node1",
                List.of(query("answer", "SELECT 42 AS n"), query("session", SESSION_QUERY)),
                connectionsOpened::get);
        try {
            SqlConnection first = connect(vertx, node);
            Scrape prepared = run(runner, first);
            assertThat(prepared.customErrors).isEmpty();
            assertThat(prepared.custom).containsEntry("answer", 42L);
            assertThat(values(prepared)).containsEntry("statements", 3L);

            // another connection, which the runner is told about: prepared there before they run
            SqlConnection second = connect(vertx, node);
            connectionsOpened.incrementAndGet();
            Scrape onSecond = run(runner, second);
            assertThat(onSecond.customErrors).isEmpty();
            assertThat(values(onSecond)).containsEntry("statements", 3L);
            assertThat(values(onSecond).get("backend"))
                    .isNotEqualTo(values(prepared).get("backend"));

            // the session loses them without the connection changing, as behind a pooler that resets sessions
            done(second.query("DEALLOCATE ALL").execute());
            Scrape lost = run(runner, second);
            assertThat(lost.customErrors).isEmpty();
            assertThat(lost.custom).containsEntry("answer", 42L);
            // from then on plain text: nothing is prepared again
            Scrape plain = run(runner, second);
            assertThat(plain.customErrors).isEmpty();
            assertThat(plain.custom).containsEntry("answer", 42L);
            assertThat(values(plain)).containsEntry("statements", 0L);
        } finally {
            done(vertx.close());
        }
    }

    private static void assertAnswered(NodeState n) {
        assertThat(n.custom()).containsEntry("answer", 42L);
        assertThat(n.customErrors()).containsOnlyKeys("wrong");
        // the server's own error for the query, not a missing prepared statement
        assertThat(n.customErrors().get("wrong")).contains("no_such_table").doesNotContain("prepared statement");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> session(NodeState n) {
        return (Map<String, Object>) n.custom().get("session");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> values(Scrape s) {
        return (Map<String, Object>) s.custom.get("session");
    }

    private static CustomQuery query(String name, String sql) {
        return new CustomQuery(
                name,
                name,
                List.of(),
                name.equals("answer")
                        ? List.of(new CustomQuery.Value("n", CustomQuery.Type.GAUGE, null))
                        : List.of(
                                new CustomQuery.Value("statements", CustomQuery.Type.GAUGE, null),
                                new CustomQuery.Value("prepared_at", CustomQuery.Type.GAUGE, null),
                                new CustomQuery.Value("backend", CustomQuery.Type.GAUGE, null)),
                0,
                CustomQuery.Role.ANY,
                Duration.ofMillis(500),
                sql,
                pg.dir().resolve(name + ".sql"),
                CustomQuery.DEFAULT_MAX_ROWS);
    }

    private static SqlConnection connect(Vertx vertx, PgNode node) throws Exception {
        return done(
                PgConnection.connect(vertx, NodeClient.connectOptions(Dsn.parse(node.dsn()), Duration.ofSeconds(5))));
    }

    /** One scrape's custom queries, as the node client runs them after its own statement. */
    private static Scrape run(CustomQueryRunner runner, SqlConnection conn) throws Exception {
        Scrape out = new Scrape("node1");
        out.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Capabilities caps =
                new Capabilities(150000, "15", false, false, false, false, false, false, false, 0, null, null, null);
        done(runner.run(conn, caps, out, null));
        return out;
    }

    private static <T> T done(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
