package io.pgactive.tools.workflow.upgrade.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.UpgradeScope;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.PgactiveFixture;
import io.pgactive.tools.workflow.upgrade.ReplicationState;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.pgactive.tools.workflow.upgrade.local.DsnResolver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PgactiveReplicationGroup}'s SQL on real PostgreSQL servers carrying the pgactive fixture catalog, plus the
 * management functions the fixture lacks declared with pgactive 2.1.9's exact signatures: every statement the class
 * runs is parsed, bound and executed by the server against the real names and argument lists.
 */
class PgactiveReplicationGroupTest {

    @TempDir
    static Path dir;

    private static PgNode src;
    private static PgNode tgt;
    private static PgactiveReplicationGroup group;
    private static DatabaseRef source;
    private static DatabaseRef target;

    @BeforeAll
    static void start() {
        src = PgNode.create("pga-src", dir);
        tgt = PgNode.create("pga-tgt", dir);
        src.installPgactiveFixture("7001", "src");
        tgt.installPgactiveFixture("7002", "tgt");
        for (PgNode n : List.of(src, tgt)) {
            n.execute(PgactiveFixture.resource("testing/pgactive-management-stubs.sql"));
        }
        group = new PgactiveReplicationGroup(
                DsnResolver.of(Map.of("src", Dsn.parse(src.dsn()), "tgt", Dsn.parse(tgt.dsn()))),
                Duration.ofSeconds(10),
                Duration.ofSeconds(30),
                Duration.ofMillis(20));
        source = new DatabaseRef("src", "127.0.0.1", src.port(), PgNode.DATABASE, 16);
        target = new DatabaseRef("tgt", "127.0.0.1", tgt.port(), PgNode.DATABASE, 17);
    }

    @AfterAll
    static void stop() {
        if (src != null) {
            src.close();
        }
        if (tgt != null) {
            tgt.close();
        }
    }

    @BeforeEach
    void fresh() {
        for (PgNode n : List.of(src, tgt)) {
            n.execute("DELETE FROM pgactive.pgactive_nodes; DELETE FROM pgactive._fixture_calls;"
                    + " DELETE FROM pgactive._fixture_lag; DELETE FROM pgactive._fixture_workers;"
                    + " DROP SERVER IF EXISTS pgat_src CASCADE; DROP SERVER IF EXISTS pgat_tgt CASCADE");
        }
    }

    private static long calls(PgNode n, String fn) {
        return n.queryLong("SELECT count(*) FROM pgactive._fixture_calls WHERE fn = ?", fn);
    }

    @Test
    void startCreatesTheGroupOnTheSourceAndJoinsTheTargetThroughForeignServers() {
        group.install(source, UpgradeScope.ALL);
        group.install(target, UpgradeScope.ALL);
        group.start(source, target, UpgradeScope.ALL);

        assertThat(src.queryString("SELECT array_to_string(args, '|') FROM pgactive._fixture_calls"
                        + " WHERE fn = 'create_group'"))
                .isEqualTo("src|user_mapping=monitor pgactive_foreign_server=pgat_src");
        assertThat(tgt.queryString(
                        "SELECT array_to_string(args, '|') FROM pgactive._fixture_calls" + " WHERE fn = 'join_group'"))
                .isEqualTo("tgt|user_mapping=monitor pgactive_foreign_server=pgat_tgt"
                        + "|user_mapping=monitor pgactive_foreign_server=pgat_src");
        for (PgNode n : List.of(src, tgt)) {
            assertThat(n.queryString("SELECT array_to_string(srvoptions, ',') FROM pg_foreign_server"
                            + " WHERE srvname = 'pgat_tgt'"))
                    .isEqualTo("host=127.0.0.1,port=" + tgt.port() + ",dbname=" + PgNode.DATABASE);
            assertThat(n.queryLong("SELECT count(*) FROM pg_user_mappings WHERE srvname IN ('pgat_src', 'pgat_tgt')"
                            + " AND usename = 'monitor'"))
                    .isEqualTo(2);
            // pgactive's replicated catalog names servers, never a password
            assertThat(n.queryLong(
                            "SELECT count(*) FROM pgactive.pgactive_nodes WHERE node_dsn LIKE '%' || ? || '%'",
                            n.password()))
                    .isZero();
        }

        group.start(source, target, UpgradeScope.ALL);
        assertThat(calls(src, "create_group")).isEqualTo(1);
        assertThat(calls(tgt, "join_group")).isEqualTo(1);
    }

    @Test
    void stateFollowsTheJoinAndThePeersSlots() {
        group.start(source, target, UpgradeScope.ALL);

        ReplicationState joining = group.state(source, target);
        assertThat(joining.initialCopyDone()).isFalse();
        assertThat(joining.detail()).contains("'i'");
        assertThatThrownBy(() -> group.startReverse(source, target))
                .isInstanceOfSatisfying(
                        UpgradeException.class, e -> assertThat(e.retryable()).isTrue());

        tgt.execute("UPDATE pgactive.pgactive_nodes SET node_status = 'r'");
        src.pgactive().setLag(PgactiveFixture.LagRow.of("tgt", "7002", 0, 4096));
        tgt.pgactive().setLag(PgactiveFixture.LagRow.disconnected("src", "7001", 10));
        tgt.execute("INSERT INTO pgactive._fixture_workers (worker_type, last_error) VALUES ('apply', 'boom')");

        ReplicationState ready = group.state(source, target);
        assertThat(ready.initialCopyDone()).isTrue();
        assertThat(ready.forwardActive()).isTrue();
        assertThat(ready.forwardLagBytes()).isEqualTo(4096);
        assertThat(ready.reverseActive()).isFalse();
        assertThat(ready.applyErrors()).isEqualTo(1);
        group.startReverse(source, target);
    }

    @Test
    void awaitAppliedComparesTheSourcesPositionWithThePeersConfirmedFlush() {
        group.start(source, target, UpgradeScope.ALL);
        src.execute("INSERT INTO pgactive._fixture_lag (node_name, active, confirmed_flush_lsn)"
                + " VALUES ('tgt', true, '0/0')");

        assertThat(group.awaitApplied(source, target, Duration.ofMillis(50))).isPositive();

        src.execute("UPDATE pgactive._fixture_lag SET confirmed_flush_lsn = pg_current_wal_lsn() + 1024");
        assertThat(group.awaitApplied(source, target, Duration.ofSeconds(5))).isZero();
    }

    @Test
    void detachRemovesTheSourceFromTheGroupOnTheTargetAndPgactiveFromTheSource() {
        group.start(source, target, UpgradeScope.ALL);
        tgt.execute("UPDATE pgactive.pgactive_nodes SET node_status = 'r'");
        // what pgactive's catalog replication puts on the target: the source's row
        tgt.execute("INSERT INTO pgactive.pgactive_nodes (node_sysid, node_timeline, node_dboid, node_status,"
                + " node_name) VALUES ('7001', 0, 5, 'r', 'src')");

        group.detach(source, target);
        group.detach(source, target);

        assertThat(tgt.queryString("SELECT node_status::text FROM pgactive.pgactive_nodes WHERE node_name = 'src'"))
                .isEqualTo("k");
        assertThat(src.queryLong("SELECT count(*) FROM pgactive._fixture_calls WHERE fn = 'remove'"
                        + " AND args = ARRAY['true']"))
                .isEqualTo(1);
        assertThat(src.queryLong("SELECT count(*) FROM pg_foreign_server WHERE srvname LIKE 'pgat\\_%'"))
                .isZero();
        assertThat(tgt.queryLong("SELECT count(*) FROM pg_foreign_server WHERE srvname = 'pgat_src'"))
                .isZero();
        assertThat(tgt.queryLong("SELECT count(*) FROM pg_foreign_server WHERE srvname = 'pgat_tgt'"))
                .isEqualTo(1);
    }

    @Test
    void preflightListsWhatPgactiveCannotCarry() {
        src.execute("CREATE TABLE IF NOT EXISTS public.no_key (v int)");
        try {
            List<String> risks = group.preflight(source, new UpgradeScope(List.of("public.orders")));

            assertThat(risks)
                    .anyMatch(r -> r.contains("table filters"))
                    .anyMatch(r -> r.contains("public.no_key has no primary key"));
        } finally {
            src.execute("DROP TABLE public.no_key");
        }
    }

    @Test
    void configureNamesTheSettingsStillMissing() {
        // a stock server with wal_level = logical and commit timestamps, but no pgactive library loaded
        assertThat(group.configure(source))
                .singleElement()
                .asString()
                .contains("shared_preload_libraries must include pgactive");

        // on RDS the parameter group's flag is what counts (a role setting stands in for it here)
        src.execute("ALTER ROLE monitor SET rds.enable_pgactive = '0'");
        try {
            assertThat(group.configure(source)).singleElement().asString().contains("rds.enable_pgactive = 1");
            src.execute("ALTER ROLE monitor SET rds.enable_pgactive = '1'");
            assertThat(group.configure(source)).isEmpty();
        } finally {
            src.execute("ALTER ROLE monitor RESET rds.enable_pgactive");
        }
    }

    @Test
    void sequencesOnTheTargetAreRaisedNeverLowered() {
        src.execute("CREATE SEQUENCE IF NOT EXISTS public.order_ids; SELECT setval('public.order_ids', 500)");
        tgt.execute("CREATE SEQUENCE IF NOT EXISTS public.order_ids; SELECT setval('public.order_ids', 10)");
        try {
            group.syncSequencesAhead(source, target, UpgradeScope.ALL, 1000);
            assertThat(tgt.queryLong("SELECT last_value FROM public.order_ids")).isEqualTo(1500);

            group.syncSequences(source, target, UpgradeScope.ALL);
            assertThat(tgt.queryLong("SELECT last_value FROM public.order_ids")).isEqualTo(1500);
        } finally {
            src.execute("DROP SEQUENCE public.order_ids");
            tgt.execute("DROP SEQUENCE public.order_ids");
        }
    }
}
