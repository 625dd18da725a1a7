package io.pgactive.tools.workflow.upgrade.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.testing.PgBinaries;
import io.pgactive.tools.workflow.upgrade.ProvisionRequest;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@link LocalPostgresProvisioner} on real servers of two PostgreSQL majors: a 16 made by a second provisioner
 * stands for a configured source, an 18 is the target.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalPostgresProvisionerTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String TARGET = "up1-target";
    private static final String HALFWAY = "up2-target";

    private static Path stateDir;
    private static Path sourceStateDir;
    private static LocalPostgresSettings settings;
    private static LocalPostgresProvisioner provisioner;
    private static LocalPostgresProvisioner sourceProvisioner;
    private static DatabaseRef source;

    @BeforeAll
    static void setUp() {
        Map<Integer, Path> binaries = Map.of(
                PgBinaries.COPIED_MAJOR, PgBinaries.home(PgBinaries.COPIED_MAJOR),
                PgBinaries.CLASSPATH_MAJOR, PgBinaries.home(PgBinaries.CLASSPATH_MAJOR));
        Map<String, String> small = Map.of("shared_buffers", "'16MB'", "max_connections", "20", "fsync", "off");
        stateDir = PgBinaries.stateDir("prov");
        sourceStateDir = PgBinaries.stateDir("prov-src");
        sourceProvisioner = new LocalPostgresProvisioner(LocalPostgresSettings.of(sourceStateDir, binaries)
                .withRunAs(PgBinaries.runAs().orElse(null))
                .withServerSettings(small));
        DatabaseRef bootstrap = new DatabaseRef("seed", "127.0.0.1", 1, "app", PgBinaries.COPIED_MAJOR);
        source = sourceProvisioner.provision(
                new ProvisionRequest("src", bootstrap, PgBinaries.COPIED_MAJOR, null, null));
        settings = LocalPostgresSettings.of(stateDir, binaries)
                .withRunAs(PgBinaries.runAs().orElse(null))
                .withServerSettings(small)
                .withSourceDsns(sourceProvisioner::dsn);
        provisioner = new LocalPostgresProvisioner(settings);
    }

    @AfterAll
    static void tearDown() {
        if (provisioner != null) {
            provisioner.remove(TARGET);
            provisioner.remove(HALFWAY);
        }
        if (sourceProvisioner != null) {
            sourceProvisioner.remove("src");
        }
        PgBinaries.deleteStateDir(stateDir);
        PgBinaries.deleteStateDir(sourceStateDir);
    }

    @Test
    @Order(1)
    void provisionsAServerOfTheRequestedMajorWithAnEmptyDatabase() throws Exception {
        DatabaseRef target = provisioner.provision(request());

        assertThat(target.node()).isEqualTo(TARGET);
        assertThat(target.majorVersion()).isEqualTo(18);
        assertThat(target.database()).isEqualTo("app");
        Dsn dsn = provisioner.dsn(TARGET).orElseThrow();
        assertThat(dsn.port()).isEqualTo(target.port());
        try (Connection c = PgAdmin.connect(TARGET, dsn, null, WAIT);
                Statement st = c.createStatement()) {
            assertThat(single(st, "SELECT current_setting('server_version_num')::int / 10000"))
                    .isEqualTo("18");
            assertThat(single(st, "SELECT current_setting('wal_level')")).isEqualTo("logical");
            assertThat(Integer.parseInt(single(st, "SELECT current_setting('max_replication_slots')")))
                    .isGreaterThanOrEqualTo(8);
            assertThat(single(st, "SELECT current_database()")).isEqualTo("app");
            assertThat(
                            single(
                                    st,
                                    "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"))
                    .isEqualTo("0");
        }
        // the password is really checked
        Dsn wrong = new Dsn(dsn.host(), dsn.port(), dsn.database(), dsn.user(), "not-the-password", Map.of());
        assertThatThrownBy(() -> PgAdmin.connect(TARGET, wrong, null, WAIT).close())
                .isInstanceOf(UpgradeException.class)
                .hasMessageNotContaining(dsn.password());
        Path passwordFile = stateDir.resolve(TARGET).resolve(LocalPostgresProvisioner.PASSWORD_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(passwordFile).strip()).isEqualTo(dsn.password());
        assertThat(Files.readString(stateDir.resolve(TARGET).resolve(LocalPostgresProvisioner.STATE_FILE)))
                .doesNotContain(dsn.password());
    }

    @Test
    @Order(2)
    void provisioningAgainFindsTheSameServerAndCreatesNothing() throws Exception {
        DatabaseRef first = provisioner.find(TARGET).orElseThrow();
        String systemId = systemIdentifier();
        execute("CREATE TABLE kept (id int PRIMARY KEY)");

        DatabaseRef again = provisioner.provision(request());

        assertThat(again).isEqualTo(first);
        assertThat(systemIdentifier()).isEqualTo(systemId);
        assertThat(query("SELECT count(*) FROM pg_tables WHERE tablename = 'kept'"))
                .isEqualTo("1");
        try (var dirs = Files.list(stateDir)) {
            assertThat(dirs.filter(Files::isDirectory)
                            .map(p -> p.getFileName().toString())
                            .toList())
                    .containsExactly(TARGET);
        }
        assertThatThrownBy(() -> provisioner.provision(new ProvisionRequest(TARGET, source, 16, null, null)))
                .isInstanceOf(UpgradeException.class)
                .hasMessageContaining("exists already");
    }

    @Test
    @Order(3)
    void aNewInstanceOverTheSameStateFindsAndRestartsAServerThatDied() throws Exception {
        String systemId = systemIdentifier();
        long pid = Long.parseLong(Files.readAllLines(stateDir.resolve(TARGET).resolve("run/data/postmaster.pid"))
                .get(0)
                .trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
        await().atMost(WAIT).until(() -> !postmaster.isAlive());

        LocalPostgresProvisioner restarted = new LocalPostgresProvisioner(settings);
        Optional<DatabaseRef> found = restarted.find(TARGET);

        assertThat(found).contains(provisioner.find(TARGET).orElseThrow());
        assertThat(systemIdentifier()).isEqualTo(systemId);
        assertThat(query("SELECT count(*) FROM pg_tables WHERE tablename = 'kept'"))
                .isEqualTo("1");
    }

    @Test
    @Order(4)
    void decommissionClosesTheSourceDatabaseAndKeepsItsData() throws Exception {
        Dsn sourceDsn = sourceProvisioner.dsn("src").orElseThrow();
        try (Connection c = PgAdmin.connect("src", sourceDsn, null, WAIT);
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1), (2)");
        }
        Connection open = PgAdmin.connect("src", sourceDsn, null, WAIT);

        provisioner.decommission(source);
        provisioner.decommission(source);

        assertThatThrownBy(() -> PgAdmin.connect("src", sourceDsn, null, WAIT).close())
                .isInstanceOf(UpgradeException.class)
                .hasMessageContaining("not currently accepting connections");
        assertThatThrownBy(() -> {
                    try (Statement st = open.createStatement()) {
                        st.execute("SELECT 1");
                    }
                })
                .isInstanceOf(SQLException.class);
        open.close();
        // the data is still there: undo by hand, as the documentation says
        try (Connection c = PgAdmin.connect("src", sourceDsn, "postgres", WAIT);
                Statement st = c.createStatement()) {
            st.execute("ALTER DATABASE app WITH ALLOW_CONNECTIONS true");
        }
        try (Connection c = PgAdmin.connect("src", sourceDsn, null, WAIT);
                Statement st = c.createStatement()) {
            assertThat(single(st, "SELECT count(*) FROM orders")).isEqualTo("2");
        }
    }

    @Test
    @Order(5)
    void removeStopsAndDeletesAndIsIdempotent() throws Exception {
        DatabaseRef target = provisioner.find(TARGET).orElseThrow();

        provisioner.remove(TARGET);
        provisioner.remove(TARGET);

        assertThat(provisioner.find(TARGET)).isEmpty();
        assertThat(provisioner.dsn(TARGET)).isEmpty();
        assertThat(stateDir.resolve(TARGET)).doesNotExist();
        assertThat(accepts(target.port())).isFalse();
    }

    @Test
    @Order(6)
    void aCreationCutShortIsStartedOverInsteadOfBeingHandedOut() throws Exception {
        Path dir = stateDir.resolve(HALFWAY);
        Files.createDirectories(dir.resolve("run/data"));
        Files.writeString(dir.resolve("run/data/PG_VERSION"), "18\n");
        Files.writeString(
                dir.resolve(LocalPostgresProvisioner.STATE_FILE),
                "node=" + HALFWAY + "\nhost=127.0.0.1\nport=1\ndatabase=app\nmajor=18\nstate=creating\n");
        assertThat(provisioner.find(HALFWAY)).isEmpty();
        assertThat(provisioner.dsn(HALFWAY)).isEmpty();

        DatabaseRef ref = provisioner.provision(new ProvisionRequest(HALFWAY, source, 18, null, null));

        assertThat(ref.port()).isNotEqualTo(1);
        try (Connection c = PgAdmin.connect(HALFWAY, provisioner.dsn(HALFWAY).orElseThrow(), null, WAIT);
                Statement st = c.createStatement()) {
            assertThat(single(st, "SELECT current_database()")).isEqualTo("app");
        }
        provisioner.remove(HALFWAY);
        assertThat(dir).doesNotExist();
    }

    @Test
    void refusesWhatItCannotDoWithAClearMessage() {
        assertThatThrownBy(() -> provisioner.provision(new ProvisionRequest("x", source, 99, null, null)))
                .isInstanceOf(UpgradeException.class)
                .hasMessageContaining("no PostgreSQL 99 binaries configured")
                .satisfies(e -> assertThat(((UpgradeException) e).retryable()).isFalse());
        assertThatThrownBy(() -> provisioner.provision(new ProvisionRequest("../etc", source, 18, null, null)))
                .isInstanceOf(UpgradeException.class)
                .hasMessageContaining("node name");
    }

    // ------------------------------------------------------------------ helpers

    private static ProvisionRequest request() {
        return new ProvisionRequest(TARGET, source, 18, null, Map.of("upgrade", "up1"));
    }

    private static String systemIdentifier() throws SQLException {
        return query("SELECT system_identifier::text FROM pg_control_system()");
    }

    private static String query(String sql) throws SQLException {
        try (Connection c = PgAdmin.connect(TARGET, provisioner.dsn(TARGET).orElseThrow(), null, WAIT);
                Statement st = c.createStatement()) {
            return single(st, sql);
        }
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = PgAdmin.connect(TARGET, provisioner.dsn(TARGET).orElseThrow(), null, WAIT);
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
