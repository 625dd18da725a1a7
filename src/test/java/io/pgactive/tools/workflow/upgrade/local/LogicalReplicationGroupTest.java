package io.pgactive.tools.workflow.upgrade.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.UpgradeScope;
import io.pgactive.tools.testing.PgBinaries;
import io.pgactive.tools.workflow.upgrade.ProvisionRequest;
import io.pgactive.tools.workflow.upgrade.ReplicationState;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link LogicalReplicationGroup} between real servers of different majors: PostgreSQL 15 (Debian's, whose pg_dump
 * copies the schema) to 18 forward only, and 16 to 18 in both directions.
 */
class LogicalReplicationGroupTest {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final UpgradeScope SCOPE = new UpgradeScope(List.of("sales.*", "public.items"));

    private static Path stateDir;
    private static LocalPostgresProvisioner provisioner;
    private static LogicalReplicationGroup group;

    @BeforeAll
    static void setUp() {
        Map<Integer, Path> binaries = PgBinaries.debianAvailable()
                ? Map.of(15, PgBinaries.home(15), 16, PgBinaries.home(16), 18, PgBinaries.home(18))
                : Map.of(16, PgBinaries.home(16), 18, PgBinaries.home(18));
        stateDir = PgBinaries.stateDir("logical");
        provisioner = new LocalPostgresProvisioner(LocalPostgresSettings.of(stateDir, binaries)
                .withRunAs(PgBinaries.runAs().orElse(null))
                .withServerSettings(Map.of(
                        "shared_buffers",
                        "'16MB'",
                        "max_connections",
                        "30",
                        "fsync",
                        "off",
                        "wal_receiver_status_interval",
                        "'1s'",
                        // every statement is logged, so the test sees whether a password would be
                        "log_statement",
                        "'all'")));
        // only Debian's 15 brings pg_dump and psql: a 16 source needs its target's schema made beforehand
        Map<Integer, Path> clients = PgBinaries.debianAvailable() ? Map.of(15, PgBinaries.home(15)) : Map.of();
        // as the service wires it: configured nodes first (none here), then the targets the provisioner made
        group = new LogicalReplicationGroup(
                LogicalReplicationSettings.of(DsnResolver.of(Map.of()).or(provisioner::dsn), clients));
    }

    @AfterAll
    static void tearDown() {
        if (provisioner != null) {
            for (String node : List.of("src15", "tgt15", "src16", "tgt16", "cfg16")) {
                provisioner.remove(node);
            }
        }
        PgBinaries.deleteStateDir(stateDir);
    }

    @Test
    void fromPostgres15TheSchemaRolesAndRowsReachTheTargetAndTheSequencesFollow() throws Exception {
        Assumptions.assumeTrue(PgBinaries.debianAvailable(), "Debian's postgresql-15 is not installed");
        DatabaseRef source = server("src15", 15);
        DatabaseRef target = server("tgt15", 18);
        sql(source, """
                CREATE TYPE mood AS ENUM ('ok', 'sad');
                CREATE SCHEMA sales;
                CREATE TABLE sales.orders (id bigserial PRIMARY KEY, note text, m mood DEFAULT 'ok');
                CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL);
                CREATE TABLE public.nopk (v int);
                CREATE UNLOGGED TABLE public.scratch (id int PRIMARY KEY);
                CREATE ROLE app_rw LOGIN PASSWORD 'app-secret-1';
                GRANT USAGE ON SCHEMA sales TO app_rw;
                GRANT SELECT, INSERT ON sales.orders TO app_rw;
                INSERT INTO sales.orders (note) SELECT 'n' || g FROM generate_series(1, 500) g;
                INSERT INTO public.items SELECT g, 'i' || g FROM generate_series(1, 200) g;
                """);

        assertThat(group.preflight(source, UpgradeScope.ALL))
                .anyMatch(l -> l.contains("public.nopk has no primary key"))
                .anyMatch(l -> l.contains("public.scratch is unlogged"))
                .anyMatch(l -> l.contains("PostgreSQL 15") && l.contains("rollback after cutover"));
        assertThat(group.preflight(source, SCOPE)).singleElement().asString().contains("PostgreSQL 15");
        assertThat(group.preflight(source, new UpgradeScope(List.of("sales.ordrs"))))
                .anyMatch(l -> l.contains("sales.ordrs matches no table"));
        assertThat(group.configure(source)).isEmpty();
        assertThat(group.configure(target)).isEmpty();

        group.install(source, SCOPE);
        group.start(source, target, SCOPE);
        group.start(source, target, SCOPE);
        await().atMost(WAIT).until(() -> group.state(source, target).initialCopyDone());

        assertThat(count(target, "SELECT count(*) FROM sales.orders")).isEqualTo(500);
        assertThat(count(target, "SELECT count(*) FROM public.items")).isEqualTo(200);
        assertThat(count(target, "SELECT count(*) FROM pg_subscription")).isEqualTo(1);
        assertThat(count(source, "SELECT count(*) FROM pg_replication_slots")).isEqualTo(1);
        // the role came along with its password and its grants
        Dsn admin = provisioner.dsn(target.node()).orElseThrow();
        Dsn app = new Dsn(admin.host(), admin.port(), admin.database(), "app_rw", "app-secret-1", Map.of());
        try (Connection c = PgAdmin.connect("tgt15", app, null, WAIT);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM sales.orders")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(500);
        }

        sql(source, "INSERT INTO sales.orders (note) SELECT 'later' FROM generate_series(1, 50)");
        assertThat(group.awaitApplied(source, target, WAIT)).isZero();
        assertThat(count(target, "SELECT count(*) FROM sales.orders")).isEqualTo(550);
        ReplicationState state = group.state(source, target);
        assertThat(state.forwardActive()).isTrue();
        assertThat(state.reverseActive()).isFalse();
        assertThat(state.forwardLagBytes()).isGreaterThanOrEqualTo(0);
        assertThat(state.applyErrors()).isZero();
        assertThat(state.detail()).contains("streaming 2 tables");

        group.syncSequences(source, target, SCOPE);
        assertThat(count(target, "SELECT last_value FROM sales.orders_id_seq")).isEqualTo(550);
        assertThat(count(target, "INSERT INTO sales.orders (note) VALUES ('on target') RETURNING id"))
                .isEqualTo(551);

        assertThatThrownBy(() -> group.startReverse(source, target))
                .isInstanceOf(UpgradeException.class)
                .hasMessageContaining("PostgreSQL 16 or newer")
                .satisfies(e -> assertThat(((UpgradeException) e).retryable()).isFalse());

        group.detach(source, target);
        group.detach(source, target);
        assertNothingLeft(source, target);
    }

    @Test
    void between16And18ChangesFlowBothWaysAndNothingLoops() throws Exception {
        DatabaseRef source = server("src16", 16);
        DatabaseRef target = server("tgt16", 18);
        String schema = "CREATE TABLE public.items (id int PRIMARY KEY, v text);";
        sql(source, schema + "INSERT INTO public.items SELECT g, 'src' FROM generate_series(1, 100) g;");
        UpgradeScope scope = new UpgradeScope(List.of("public.items"));

        assertThatThrownBy(() -> group.start(source, target, scope))
                .isInstanceOf(UpgradeException.class)
                .hasMessageContaining("no pg_dump and psql of PostgreSQL 16 or newer");
        // the operator made the schema: start uses it and copies the rows
        sql(target, schema);
        group.install(source, scope);
        group.start(source, target, scope);
        await().atMost(WAIT).until(() -> group.state(source, target).initialCopyDone());
        assertThat(count(target, "SELECT count(*) FROM public.items")).isEqualTo(100);

        group.startReverse(source, target);
        group.startReverse(source, target);
        await().atMost(WAIT).until(() -> group.state(source, target).reverseActive());

        sql(source, "INSERT INTO public.items SELECT g, 'src' FROM generate_series(101, 150) g");
        sql(
                target,
                "INSERT INTO public.items SELECT g, 'tgt' FROM generate_series(1001, 1050) g;"
                        + "UPDATE public.items SET v = 'changed on target' WHERE id = 1");
        assertThat(group.awaitApplied(source, target, WAIT)).isZero();
        assertThat(group.awaitApplied(target, source, WAIT)).isZero();
        // one more round trip each way: a change sent back to where it came from would have arrived by now
        sql(source, "INSERT INTO public.items VALUES (2000, 'marker')");
        assertThat(group.awaitApplied(source, target, WAIT)).isZero();
        assertThat(group.awaitApplied(target, source, WAIT)).isZero();

        for (DatabaseRef side : List.of(source, target)) {
            assertThat(count(side, "SELECT count(*) FROM public.items"))
                    .as(side.node())
                    .isEqualTo(201);
            assertThat(count(side, "SELECT sum(id) FROM public.items"))
                    .as(side.node())
                    .isEqualTo(5050 + (101 + 150) * 25 + (1001 + 1050) * 25 + 2000);
        }
        assertThat(count(source, "SELECT count(*) FROM public.items WHERE id = 1 AND v = 'changed on target'"))
                .isEqualTo(1);
        ReplicationState state = group.state(source, target);
        assertThat(state.forwardActive()).isTrue();
        assertThat(state.reverseActive()).isTrue();
        assertThat(state.reverseLagBytes()).isGreaterThanOrEqualTo(0);
        assertThat(state.applyErrors()).as(state.detail()).isZero();
        assertThat(count(source, "SELECT count(*) FROM pg_subscription")).isEqualTo(1);
        assertThat(count(target, "SELECT count(*) FROM pg_subscription")).isEqualTo(1);

        group.detach(source, target);
        assertNothingLeft(source, target);
        for (DatabaseRef side : List.of(source, target)) {
            String log = Files.readString(stateDir.resolve(side.node()).resolve("run/server.log"));
            assertThat(log).as(side.node() + " logs statements").contains("CREATE PUBLICATION");
            for (DatabaseRef other : List.of(source, target)) {
                assertThat(log.contains(
                                provisioner.dsn(other.node()).orElseThrow().password()))
                        .as("password of " + other.node() + " in the log of " + side.node())
                        .isFalse();
            }
        }
    }

    @Test
    void configurePutsReplicationSettingsInPlaceAndSaysWhatNeedsARestart() throws Exception {
        DatabaseRef node = provisioner.provision(
                new ProvisionRequest("cfg16", new DatabaseRef("seed", "127.0.0.1", 1, "app", 16), 16, null, null));
        sql(
                node,
                "ALTER SYSTEM SET wal_level = 'replica'; ALTER SYSTEM SET max_wal_senders = 2;"
                        + "ALTER SYSTEM SET logical_decoding_work_mem = '1MB'; ALTER SYSTEM SET max_slot_wal_keep_size = '1GB'");
        restart(node);
        sql(node, "CREATE TABLE public.t (id int PRIMARY KEY)");

        assertThat(group.preflight(node, UpgradeScope.ALL))
                .anyMatch(l -> l.startsWith("logical_decoding_work_mem is 1024 kB"))
                .anyMatch(l -> l.startsWith("max_slot_wal_keep_size is 1024 MB"));
        assertThatThrownBy(() -> group.install(node, UpgradeScope.ALL))
                .isInstanceOf(UpgradeException.class)
                .hasMessageContaining("wal_level replica");

        assertThat(group.configure(node)).containsExactly("max_wal_senders", "wal_level");
        assertThat(group.configure(node)).containsExactly("max_wal_senders", "wal_level");
        restart(node);
        assertThat(group.configure(node)).isEmpty();
        group.install(node, UpgradeScope.ALL);
        group.install(node, UpgradeScope.ALL);
        assertThat(count(node, "SELECT count(*) FROM pg_publication_tables")).isEqualTo(1);
        provisioner.remove("cfg16");
    }

    // ------------------------------------------------------------------ helpers

    /** Kills the server and lets the provisioner start it again, as after a crash. */
    private static void restart(DatabaseRef node) throws Exception {
        Path pidFile = stateDir.resolve(node.node()).resolve("run/data/postmaster.pid");
        long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
        await().atMost(WAIT).until(() -> !postmaster.isAlive());
        assertThat(provisioner.find(node.node())).contains(node);
    }

    private static DatabaseRef server(String node, int major) {
        DatabaseRef seed = new DatabaseRef("seed", "127.0.0.1", 1, "app", major);
        return provisioner.provision(new ProvisionRequest(node, seed, major, null, null));
    }

    private static void assertNothingLeft(DatabaseRef source, DatabaseRef target) throws SQLException {
        for (DatabaseRef side : List.of(source, target)) {
            assertThat(count(side, "SELECT count(*) FROM pg_subscription"))
                    .as(side.node())
                    .isZero();
            assertThat(count(side, "SELECT count(*) FROM pg_replication_slots"))
                    .as(side.node())
                    .isZero();
            assertThat(count(side, "SELECT count(*) FROM pg_publication"))
                    .as(side.node())
                    .isZero();
        }
    }

    private static void sql(DatabaseRef node, String sql) throws SQLException {
        try (Connection c = PgAdmin.connect(
                        node.node(), provisioner.dsn(node.node()).orElseThrow(), null, WAIT);
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static long count(DatabaseRef node, String sql) throws SQLException {
        try (Connection c = PgAdmin.connect(
                        node.node(), provisioner.dsn(node.node()).orElseThrow(), null, WAIT);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
