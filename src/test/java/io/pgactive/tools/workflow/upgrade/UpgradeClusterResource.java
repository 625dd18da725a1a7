package io.pgactive.tools.workflow.upgrade;

import static org.awaitility.Awaitility.await;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.testing.HaproxyProcess;
import io.pgactive.tools.testing.PgBinaries;
import io.pgactive.tools.testing.PgBouncerForwarder;
import io.pgactive.tools.testing.ServiceTestResource;
import io.pgactive.tools.testing.TemporalTestServer;
import io.pgactive.tools.workflow.upgrade.local.LocalPostgresProvisioner;
import io.pgactive.tools.workflow.upgrade.local.LocalPostgresSettings;
import java.io.IOException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/**
 * The rolling upgrade's whole world, real: a PostgreSQL {@value #SOURCE_MAJOR} source as the configured node, HAProxy
 * in front of it with a spare target server, PgBouncer in front of HAProxy where the application connects, Temporal's
 * test server, and a tools.yaml whose {@code upgrade:} section points the local ports at them. Targets of PostgreSQL
 * {@value #TARGET_MAJOR} live in the provisioner's work directory.
 *
 * <p>No pg_dump of PostgreSQL 16 or newer is packaged here, so the replication group cannot copy a 16 source's schema
 * by itself: {@link #prepareTarget} creates the target through the same provisioner class over the service's work
 * directory and puts the schema in it, as an operator would; the upgrade then finds and reuses it.
 */
public class UpgradeClusterResource extends ServiceTestResource {

    static final String TOKEN = "upgrade-test-token";
    static final int SOURCE_MAJOR = 16;
    static final int TARGET_MAJOR = 18;
    static final String SOURCE = "node1";
    static final String TARGET = SOURCE + "-pg" + TARGET_MAJOR;
    static final String DATABASE = "app";
    static final String TABLE = "public.orders";
    static final String APP_USER = "app_rw";
    static final String APP_PASSWORD = "app-" + Long.toHexString(System.nanoTime());
    /** Soak per traffic step: long enough for a test to act while a step runs. */
    static final String SOAK = "8s";

    private static final String SCHEMA = """
            CREATE TABLE public.orders (id bigserial PRIMARY KEY, payload text NOT NULL, at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE public.health (ok int PRIMARY KEY);
            GRANT SELECT, INSERT ON public.orders TO app_rw;
            GRANT USAGE ON SEQUENCE public.orders_id_seq TO app_rw;
            GRANT SELECT ON public.health TO app_rw;
            """;

    static volatile LocalPostgresProvisioner sources;
    static volatile LocalPostgresProvisioner targets;
    static volatile DatabaseRef source;
    static volatile HaproxyProcess haproxy;
    static volatile PgBouncerForwarder bouncer;
    static volatile TemporalTestServer temporal;
    static volatile Path workDir;

    @Override
    protected String name() {
        return "upgrade-e2e";
    }

    @Override
    protected Map<String, String> start(Path dir) throws IOException {
        Map<Integer, Path> binaries =
                Map.of(SOURCE_MAJOR, PgBinaries.home(SOURCE_MAJOR), TARGET_MAJOR, PgBinaries.home(TARGET_MAJOR));
        Map<String, String> small = Map.of(
                "shared_buffers",
                "'16MB'",
                "max_connections",
                "40",
                "fsync",
                "off",
                "wal_receiver_status_interval",
                "'1s'");
        Path sourceState = PgBinaries.stateDir("e2e-source");
        closeOnStop(() -> PgBinaries.deleteStateDir(sourceState));
        sources = new LocalPostgresProvisioner(LocalPostgresSettings.of(sourceState, binaries)
                .withRunAs(PgBinaries.runAs().orElse(null))
                .withServerSettings(small));
        closeOnStop(() -> sources.remove(SOURCE));
        source = sources.provision(new ProvisionRequest(
                SOURCE, new DatabaseRef("seed", "127.0.0.1", 1, DATABASE, SOURCE_MAJOR), SOURCE_MAJOR, null, null));
        try {
            sql(
                    sources.dsn(SOURCE).orElseThrow(),
                    "CREATE ROLE " + APP_USER + " LOGIN PASSWORD '" + APP_PASSWORD + "';"
                            + SCHEMA + "INSERT INTO public.health VALUES (1);"
                            + "INSERT INTO public.orders (payload) SELECT 'seed' || g FROM generate_series(1, 500) g");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare the source: " + e.getMessage(), e);
        }
        workDir = PgBinaries.stateDir("e2e-targets");
        closeOnStop(() -> PgBinaries.deleteStateDir(workDir));
        targets = new LocalPostgresProvisioner(LocalPostgresSettings.of(workDir, binaries)
                .withRunAs(PgBinaries.runAs().orElse(null))
                .withServerSettings(small));
        closeOnStop(() -> targets.remove(TARGET));

        haproxy = closeOnStop(HaproxyProcess.start("127.0.0.1", source.port()));
        bouncer = closeOnStop(PgBouncerForwarder.start(
                "127.0.0.1", haproxy.port(), DATABASE, APP_USER, APP_PASSWORD, Map.of("query_wait_timeout", "60")));
        temporal = closeOnStop(TemporalTestServer.start(0));

        Dsn admin = sources.dsn(SOURCE).orElseThrow();
        Dsn console = bouncer.adminDsn();
        String yaml = "collector:\n"
                + "  interval: 500ms\n"
                + "  backoff_max: 1s\n"
                + "  nodes:\n"
                + "    - { name: " + SOURCE + ", dsn: \"host=" + admin.host() + " port=" + admin.port() + " dbname="
                + DATABASE
                + " user=" + admin.user() + " password=" + admin.password() + "\" }\n"
                + "upgrade:\n"
                + "  token: " + TOKEN + "\n"
                + "  sync_hold: " + syncHold() + "\n"
                + "  soak: " + SOAK + "\n"
                + "  cutover_budget: 30s\n"
                + "  health_probe: \"SELECT 1 / count(*) FROM public.health\"\n"
                + "  routes:\n"
                + "    - name: app\n"
                + "      node: " + SOURCE + "\n"
                + "      haproxy: { admin: " + haproxy.adminSocket() + ", backend: " + HaproxyProcess.BACKEND
                + ", source_server: " + HaproxyProcess.SOURCE + ", target_server: " + HaproxyProcess.TARGET + " }\n"
                + "      pgbouncer: { admin: \"postgres://" + console.user() + ":" + console.password() + "@"
                + console.host() + ":"
                + console.port() + "/pgbouncer\", database: " + DATABASE + " }\n"
                + "  provisioner:\n"
                + "    kind: local\n"
                + "    work_dir: " + workDir + "\n"
                + "    binaries: { " + SOURCE_MAJOR + ": " + PgBinaries.home(SOURCE_MAJOR) + ", " + TARGET_MAJOR + ": "
                + PgBinaries.home(TARGET_MAJOR) + " }\n"
                + PgBinaries.runAs().map(u -> "    run_as: " + u + "\n").orElse("")
                + "database:\n"
                + "  path: " + dir.resolve("data/replication_state.db") + "\n";
        Path config = dir.resolve("tools.yaml");
        Files.writeString(config, yaml);
        return Map.of(
                "pgactive.tools.config",
                config.toString(),
                "pgactive.tools.temporal.enabled",
                "true",
                "quarkus.temporal.connection.target",
                temporal.target());
    }

    /** How long replication must stay caught up before traffic moves: short, so the upgrade does not wait for it. */
    protected String syncHold() {
        return "1s";
    }

    /**
     * Creates the target the upgrade will find, with the source's schema and the application's login; {@code healthy}
     * false leaves the health probe's table empty there, so the probe fails on the target.
     */
    static DatabaseRef prepareTarget(boolean healthy) throws SQLException {
        // the service's provisioner holds the same directory lock now and then: this JVM may not take it meanwhile
        DatabaseRef target = await().atMost(Duration.ofSeconds(30))
                .ignoreException(OverlappingFileLockException.class)
                .until(
                        () -> targets.provision(new ProvisionRequest(TARGET, source, TARGET_MAJOR, null, null)),
                        t -> t != null);
        sql(
                targets.dsn(TARGET).orElseThrow(),
                "CREATE ROLE " + APP_USER + " LOGIN PASSWORD '" + APP_PASSWORD + "';" + SCHEMA
                        + (healthy ? "INSERT INTO public.health VALUES (1);" : ""));
        return target;
    }

    static Connection connectSource() throws SQLException {
        return connect(sources.dsn(SOURCE).orElseThrow());
    }

    /** Whether the target's directory exists (without the provisioner's lock, which the service may hold). */
    static boolean targetExists() {
        return Files.isDirectory(workDir.resolve(TARGET));
    }

    static Connection connectTarget() throws SQLException {
        return connect(targets.dsn(TARGET).orElseThrow());
    }

    private static Connection connect(Dsn dsn) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", dsn.user());
        p.setProperty("password", dsn.password());
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(
                "jdbc:postgresql://" + dsn.host() + ":" + dsn.port() + "/" + dsn.database(), p);
    }

    private static void sql(Dsn dsn, String sql) throws SQLException {
        try (Connection c = connect(dsn);
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
