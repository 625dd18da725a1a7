package io.pgactive.tools.testing;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.workflow.upgrade.ProvisionRequest;
import io.pgactive.tools.workflow.upgrade.local.LocalPostgresProvisioner;
import io.pgactive.tools.workflow.upgrade.local.LocalPostgresSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The demo's node that can be upgraded: a PostgreSQL {@value #SOURCE_MAJOR} server ({@value #SOURCE_NODE}) with an
 * application database, HAProxy in front of it with a spare target server, PgBouncer in front of HAProxy where the
 * application connects, and the application itself, an {@link AckedWriter} inserting into {@value #TABLE} through
 * that PgBouncer about {@value #WRITES_PER_SECOND} times a second. {@link #config(String)} is the {@code upgrade:}
 * section that lets the service move this node to PostgreSQL {@value #TARGET_MAJOR}; targets live in their own state
 * directory, where the service's provisioner creates them.
 *
 * <p>No {@code pg_dump} of PostgreSQL 16 or newer is packaged here, so the upgrade cannot copy the schema by itself:
 * {@link #prepareTarget()} creates the target through the same provisioner class and puts the schema in it, as an
 * operator would, and the upgrade finds and reuses it.
 */
public final class DemoUpgradeRoute implements AutoCloseable {

    public static final String SOURCE_NODE = "node4";
    public static final int SOURCE_MAJOR = 16;
    public static final int TARGET_MAJOR = 18;
    public static final String TARGET_NODE = SOURCE_NODE + "-pg" + TARGET_MAJOR;
    public static final String ROUTE = "orders";
    public static final String DATABASE = "app";
    public static final String TABLE = "public.orders";
    public static final String APP_USER = "app_rw";
    static final int WRITES_PER_SECOND = 20;
    /** About 15 minutes of the writer's acknowledgements: more than an upgrade of the demo takes. */
    static final int ACKS_KEPT = WRITES_PER_SECOND * 900;

    private static final String SCHEMA = """
            CREATE TABLE public.orders (id bigserial PRIMARY KEY, payload text NOT NULL, at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE public.health (ok int PRIMARY KEY);
            GRANT SELECT, INSERT ON public.orders TO app_rw;
            GRANT USAGE ON SEQUENCE public.orders_id_seq TO app_rw;
            GRANT SELECT ON public.health TO app_rw;
            """;
    /** Small servers: the demo shares the machine with its other nodes. */
    private static final Map<String, String> SMALL = Map.of(
            "shared_buffers",
            "'16MB'",
            "max_connections",
            "40",
            "fsync",
            "off",
            "wal_receiver_status_interval",
            "'1s'");

    private final String appPassword = PgNode.randomPassword();
    private final Path sourceState;
    private final Path targetState;
    private final Map<Integer, Path> binaries;
    private final LocalPostgresProvisioner sources;
    private final LocalPostgresProvisioner targets;
    private DatabaseRef source;
    private HaproxyProcess haproxy;
    private PgBouncerForwarder bouncer;
    private AckedWriter writer;

    private DemoUpgradeRoute() {
        binaries = Map.of(SOURCE_MAJOR, PgBinaries.home(SOURCE_MAJOR), TARGET_MAJOR, PgBinaries.home(TARGET_MAJOR));
        sourceState = PgBinaries.stateDir("demo-source");
        targetState = PgBinaries.stateDir("demo-targets");
        sources = new LocalPostgresProvisioner(LocalPostgresSettings.of(sourceState, binaries)
                .withRunAs(PgBinaries.runAs().orElse(null))
                .withServerSettings(SMALL));
        targets = new LocalPostgresProvisioner(LocalPostgresSettings.of(targetState, binaries)
                .withRunAs(PgBinaries.runAs().orElse(null))
                .withServerSettings(SMALL));
    }

    /** Starts the source, HAProxy, PgBouncer and the writer; everything started is stopped again on failure. */
    public static DemoUpgradeRoute start() {
        DemoUpgradeRoute route = new DemoUpgradeRoute();
        try {
            route.startParts();
            return route;
        } catch (RuntimeException | SQLException e) {
            route.close();
            throw e instanceof RuntimeException r
                    ? r
                    : new IllegalStateException("cannot prepare " + SOURCE_NODE + ": " + e.getMessage(), e);
        }
    }

    private void startParts() throws SQLException {
        source = sources.provision(new ProvisionRequest(
                SOURCE_NODE,
                new DatabaseRef("seed", "127.0.0.1", 1, DATABASE, SOURCE_MAJOR),
                SOURCE_MAJOR,
                null,
                null));
        sql(
                sources.dsn(SOURCE_NODE).orElseThrow(),
                "CREATE ROLE " + APP_USER + " LOGIN PASSWORD '" + appPassword + "';"
                        + SCHEMA + "INSERT INTO public.health VALUES (1);"
                        + "INSERT INTO public.orders (payload) SELECT 'seed' || g FROM generate_series(1, 1000) g");
        haproxy = HaproxyProcess.start("127.0.0.1", source.port());
        // clients held at cutover wait up to a minute, longer than the upgrade's cutover budget
        bouncer = PgBouncerForwarder.start(
                "127.0.0.1", haproxy.port(), DATABASE, APP_USER, appPassword, Map.of("query_wait_timeout", "60"));
        writer = new AckedWriter(
                bouncer.jdbcUrl(),
                bouncer.jdbcProperties(),
                TABLE,
                Duration.ofMillis(1000 / WRITES_PER_SECOND),
                ACKS_KEPT);
    }

    /** The collector's entry for the source (its admin login: the upgrade administers the source with it). */
    public String collectorNode() {
        Dsn admin = sourceAdmin();
        return "    - name: " + SOURCE_NODE + "\n      dsn: \"host=" + admin.host() + " port=" + admin.port()
                + " dbname=" + DATABASE + " user=" + admin.user() + " password=" + admin.password() + "\"\n";
    }

    /** The {@code upgrade:} section: short waits, so that an upgrade of the demo takes a minute or two. */
    public String config(String token) {
        Dsn console = bouncer.adminDsn();
        return "upgrade:\n"
                + "  token: \"" + token.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n"
                + "  sync_hold: 2s\n"
                + "  soak: 5s\n"
                + "  cutover_budget: 30s\n"
                + "  health_probe: \"SELECT 1 / count(*) FROM public.health\"\n"
                + "  routes:\n"
                + "    - name: " + ROUTE + "\n"
                + "      node: " + SOURCE_NODE + "\n"
                + "      haproxy: { admin: " + haproxy.adminSocket() + ", backend: " + HaproxyProcess.BACKEND
                + ", source_server: " + HaproxyProcess.SOURCE + ", target_server: " + HaproxyProcess.TARGET + " }\n"
                + "      pgbouncer: { admin: \"postgres://" + console.user() + ":" + console.password() + "@"
                + console.host() + ":" + console.port() + "/pgbouncer\", database: " + DATABASE + " }\n"
                + "  provisioner:\n"
                + "    kind: local\n"
                + "    work_dir: " + targetState + "\n"
                + "    binaries: { " + SOURCE_MAJOR + ": " + binaries.get(SOURCE_MAJOR) + ", " + TARGET_MAJOR + ": "
                + binaries.get(TARGET_MAJOR) + " }\n"
                + PgBinaries.runAs().map(u -> "    run_as: " + u + "\n").orElse("");
    }

    /**
     * Creates the target the upgrade will find, with the source's schema and the application's login; a target that
     * already has the schema (an earlier run) is left as it is.
     */
    public DatabaseRef prepareTarget() throws SQLException {
        DatabaseRef target = targets.provision(new ProvisionRequest(TARGET_NODE, source, TARGET_MAJOR, null, null));
        Dsn admin = targets.dsn(TARGET_NODE).orElseThrow();
        try (Connection c = connect(admin);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT to_regclass('" + TABLE + "') IS NOT NULL")) {
            rs.next();
            if (rs.getBoolean(1)) {
                return target;
            }
        }
        sql(
                admin,
                "CREATE ROLE " + APP_USER + " LOGIN PASSWORD '" + appPassword + "';" + SCHEMA
                        + "INSERT INTO public.health VALUES (1);");
        return target;
    }

    public Dsn sourceAdmin() {
        return sources.dsn(SOURCE_NODE).orElseThrow();
    }

    /** The target's admin login while it exists. */
    public Optional<Dsn> targetAdmin() {
        return Files.isDirectory(targetState.resolve(TARGET_NODE)) ? targets.dsn(TARGET_NODE) : Optional.empty();
    }

    public boolean targetExists() {
        return Files.isDirectory(targetState.resolve(TARGET_NODE));
    }

    public DatabaseRef source() {
        return source;
    }

    public AckedWriter writer() {
        return writer;
    }

    public HaproxyProcess haproxy() {
        return haproxy;
    }

    public PgBouncerForwarder bouncer() {
        return bouncer;
    }

    static Connection connect(Dsn dsn) throws SQLException {
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

    /** Stops the writer, PgBouncer, HAProxy, a target the service left and the source, and deletes their files. */
    @Override
    public void close() {
        // PgBouncer first: its shutdown ends an insert it holds, which the writer may be waiting in
        closeQuietly(bouncer);
        if (writer != null) {
            try {
                writer.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeQuietly(haproxy);
        closeQuietly(() -> targets.remove(TARGET_NODE));
        closeQuietly(() -> sources.remove(SOURCE_NODE));
        PgBinaries.deleteStateDir(targetState);
        PgBinaries.deleteStateDir(sourceState);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            System.err.println("demo: stopping " + c + " failed: " + e.getMessage());
        }
    }
}
