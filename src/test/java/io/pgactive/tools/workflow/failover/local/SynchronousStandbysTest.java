package io.pgactive.tools.workflow.failover.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hazard the failover's synchronous standbys step exists for, on real servers: a primary whose
 * {@code synchronous_standby_names} was set with {@code ALTER SYSTEM} before its standby's base backup passes the
 * setting on; once that standby is promoted, nothing it names follows it, and its commits wait. Setting it through
 * {@link JdbcNodeControl} lets them through.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SynchronousStandbysTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long RELOAD_MILLIS = 10_000;

    @TempDir
    static Path dir;

    static PgCluster cluster;
    static PgNode primary;
    static PgNode standby;
    static JdbcNodeControl control;
    static final ExecutorService CLIENT = Executors.newSingleThreadExecutor();

    @BeforeAll
    static void promotedStandbyWithTheOldPrimarysSetting() {
        cluster = PgCluster.empty(dir);
        primary = cluster.addNode("node1");
        primary.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, note text)");
        // as real deployments do: in postgresql.auto.conf, which the base backup copies
        primary.execute("ALTER SYSTEM SET synchronous_standby_names = 'node2'");
        primary.execute("SELECT pg_reload_conf()");
        standby = cluster.add(primary.createStandby("node2"));
        primary.execute("INSERT INTO orders (note) VALUES ('confirmed by node2')");
        control = new JdbcNodeControl(
                Map.of("node1", Dsn.parse(primary.dsn()), "node2", Dsn.parse(standby.dsn())), Duration.ofSeconds(5));

        primary.kill();
        assertThat(control.promote("node2", 60_000)).isTrue();
        await().atMost(WAIT).until(() -> control.writable("node2"));
    }

    @AfterAll
    static void tearDown() {
        CLIENT.shutdownNow();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aCommitOnThePromotedNodeWaitsForTheInheritedStandbyUntilTheSettingIsCleared() throws Exception {
        assertThat(control.synchronousStandbyNames("node2")).isEqualTo("node2");

        CompletableFuture<Integer> insert = CompletableFuture.supplyAsync(
                () -> {
                    try (Connection c = standby.connect();
                            Statement st = c.createStatement()) {
                        // a statement timeout does not end the wait: it is over before the commit begins to wait
                        st.execute("SET statement_timeout = '1s'");
                        return st.executeUpdate("INSERT INTO orders (note) VALUES ('after the failover')");
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                },
                CLIENT);
        // the commit is written locally and waits for a synchronous standby's confirmation that cannot come
        await().atMost(WAIT)
                .until(() ->
                        standby.queryLong("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'") == 1);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> !insert.isDone());

        String before = control.setSynchronousStandbyNames("node2", List.of(), RELOAD_MILLIS);

        assertThat(before).isEqualTo("node2");
        assertThat(insert.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(control.synchronousStandbyNames("node2")).isEmpty();
        try (Connection c = standby.connect();
                Statement st = c.createStatement()) {
            st.execute("SET statement_timeout = '10s'");
            assertThat(st.executeUpdate("INSERT INTO orders (note) VALUES ('asynchronous now')"))
                    .isEqualTo(1);
        }
        assertThat(standby.queryLong("SELECT count(*) FROM orders")).isEqualTo(3);
        // in postgresql.auto.conf, so a restart keeps it
        assertThat(standby.queryString("SELECT setting FROM pg_file_settings WHERE name = 'synchronous_standby_names'"
                        + " AND sourcefile LIKE '%postgresql.auto.conf' ORDER BY seqno DESC LIMIT 1"))
                .isEmpty();
    }

    @Test
    void aListOfNodesIsSetQuotedAndVerified() {
        String before = control.setSynchronousStandbyNames("node2", List.of("node-3", "node1"), RELOAD_MILLIS);
        try {
            assertThat(control.synchronousStandbyNames("node2")).isEqualTo("\"node-3\", \"node1\"");
            assertThat(standby.queryString("SHOW synchronous_standby_names")).isEqualTo("\"node-3\", \"node1\"");
        } finally {
            control.setSynchronousStandbyNames("node2", List.of(), RELOAD_MILLIS);
        }
        assertThat(before).isNotNull();
    }

    @Test
    void aNameThatIsNotANodeNameIsRefusedAndNothingChanges() {
        String before = control.synchronousStandbyNames("node2");

        for (String bad : List.of("node3'; ALTER SYSTEM RESET ALL; --", "a\"b", "two words", "", "x".repeat(64))) {
            assertThatThrownBy(() -> control.setSynchronousStandbyNames("node2", List.of(bad), RELOAD_MILLIS))
                    .isInstanceOf(UpgradeException.class)
                    .hasMessageContaining("is not a node name")
                    .satisfies(
                            e -> assertThat(((UpgradeException) e).retryable()).isFalse());
        }
        assertThatThrownBy(() -> control.setSynchronousStandbyNames("node2", List.of("node1", "node1"), RELOAD_MILLIS))
                .hasMessageContaining("'node1' is named twice");

        assertThat(control.synchronousStandbyNames("node2")).isEqualTo(before);
    }

    @Test
    void namesAreCheckedBeforeAnyConnection() {
        // nothing listens on port 1: a check after connecting would report the connection instead
        JdbcNodeControl nowhere = new JdbcNodeControl(
                Map.of("gone", Dsn.parse("postgres://monitor@127.0.0.1:1/app")), Duration.ofSeconds(1));

        assertThatThrownBy(() -> nowhere.setSynchronousStandbyNames("gone", List.of("x;y"), RELOAD_MILLIS))
                .isInstanceOf(UpgradeException.class)
                .hasMessage("gone: synchronous_standby_names: 'x;y' is not a node name (1 to 63 letters, digits,"
                        + " '_', '.' or '-')");
    }
}
