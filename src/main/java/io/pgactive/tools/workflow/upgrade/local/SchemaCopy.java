package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Copies what logical replication does not: the roles (with their password verifiers, which are not tied to a
 * server) and the schema of the application database, dumped with {@code pg_dump --schema-only} and restored with
 * {@code psql} in a single transaction, so a failed restore leaves the target as it was.
 */
final class SchemaCopy {

    private static final String ROLES = """
            SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
                   rolbypassrls, rolconnlimit, rolpassword
            FROM pg_authid WHERE rolname !~ '^pg_' ORDER BY rolname
            """;
    private static final String MEMBERSHIPS = """
            SELECT r.rolname, m.rolname, am.admin_option
            FROM pg_auth_members am
            JOIN pg_authid r ON r.oid = am.roleid
            JOIN pg_authid m ON m.oid = am.member
            WHERE m.rolname !~ '^pg_'
            """;
    private static final String ROLE_EXISTS = "SELECT 1 FROM pg_roles WHERE rolname = ?";
    private static final String CREATE_ROLE =
            "SELECT format('CREATE ROLE %I WITH %s CONNECTION LIMIT %s PASSWORD %L', ?, ?, ?, ?)";
    private static final String GRANT_ROLE = "SELECT format('GRANT %I TO %I', ?, ?)";
    private static final String GRANT_ROLE_WITH_ADMIN = "SELECT format('GRANT %I TO %I WITH ADMIN OPTION', ?, ?)";
    private static final String[][] ROLE_FLAGS = {
        {"SUPERUSER", "NOSUPERUSER"}, {"INHERIT", "NOINHERIT"}, {"CREATEROLE", "NOCREATEROLE"},
        {"CREATEDB", "NOCREATEDB"}, {"LOGIN", "NOLOGIN"}, {"REPLICATION", "NOREPLICATION"},
        {"BYPASSRLS", "NOBYPASSRLS"}
    };

    private final LogicalReplicationSettings settings;

    SchemaCopy(LogicalReplicationSettings settings) {
        this.settings = settings;
    }

    /** Creates on the target every role of the source it lacks, then the memberships between them. */
    void copyRoles(DatabaseRef target, Connection src, Connection tgt) throws SQLException {
        int timeout = (int) settings.sqlTimeout().toSeconds();
        try (Statement st = src.createStatement()) {
            st.setQueryTimeout(timeout);
            try (ResultSet rs = st.executeQuery(ROLES)) {
                while (rs.next()) {
                    String role = rs.getString(1);
                    if (exists(tgt, role, timeout)) {
                        continue;
                    }
                    StringBuilder flags = new StringBuilder();
                    for (int i = 0; i < ROLE_FLAGS.length; i++) {
                        flags.append(i == 0 ? "" : " ")
                                .append(rs.getBoolean(i + 2) ? ROLE_FLAGS[i][0] : ROLE_FLAGS[i][1]);
                    }
                    execute(
                            tgt,
                            formatted(
                                    tgt,
                                    CREATE_ROLE,
                                    timeout,
                                    role,
                                    flags.toString(),
                                    Integer.toString(rs.getInt(9)),
                                    rs.getString(10)),
                            timeout);
                }
            }
            try (ResultSet rs = st.executeQuery(MEMBERSHIPS)) {
                while (rs.next()) {
                    execute(
                            tgt,
                            formatted(
                                    tgt,
                                    rs.getBoolean(3) ? GRANT_ROLE_WITH_ADMIN : GRANT_ROLE,
                                    timeout,
                                    rs.getString(1),
                                    rs.getString(2)),
                            timeout);
                }
            }
        } catch (SQLException e) {
            throw new SQLException("copying roles to " + target.node() + ": " + e.getMessage(), e.getSQLState(), e);
        }
    }

    /** Dumps the source database's schema and restores it on the target, all or nothing. */
    void copySchema(DatabaseRef source, Dsn sourceDsn, DatabaseRef target, Dsn targetDsn) {
        Path home = clientFor(source.majorVersion());
        Path dir = null;
        try {
            dir = Files.createTempDirectory(
                    "pgactive-tools-schema-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path dump = dir.resolve("schema.sql");
            LocalCommand.runChecked(
                    List.of(
                            home.resolve("bin/pg_dump").toString(),
                            "--schema-only",
                            "--no-publications",
                            "--no-subscriptions",
                            "--format=plain",
                            "--file=" + dump),
                    Optional.empty(),
                    env(sourceDsn, source.database()),
                    dir,
                    settings.dumpTimeout(),
                    true);
            LocalCommand.runChecked(
                    List.of(
                            home.resolve("bin/psql").toString(),
                            "--no-psqlrc",
                            "--quiet",
                            "--set=ON_ERROR_STOP=1",
                            "--single-transaction",
                            "--file=" + dump),
                    Optional.empty(),
                    env(targetDsn, target.database()),
                    dir,
                    settings.dumpTimeout(),
                    false);
        } catch (IOException e) {
            throw new UpgradeException("cannot copy the schema of " + source.node() + ": " + e.getMessage(), true, e);
        } finally {
            if (dir != null) {
                deleteTree(dir);
            }
        }
    }

    /** The oldest client not older than the server: pg_dump refuses newer servers, and newer clients are optional. */
    private Path clientFor(int sourceMajor) {
        return settings.clientBinaries().entrySet().stream()
                .filter(e -> e.getKey() >= sourceMajor)
                .filter(e -> Files.isExecutable(e.getValue().resolve("bin/pg_dump"))
                        && Files.isExecutable(e.getValue().resolve("bin/psql")))
                .min(Map.Entry.comparingByKey())
                .map(Map.Entry::getValue)
                .orElseThrow(() -> new UpgradeException(
                        "no pg_dump and psql of PostgreSQL " + sourceMajor
                                + " or newer configured: install them or create the target's schema beforehand",
                        false));
    }

    /**
     * The connection goes in the environment: a password there is not visible in {@code ps}, and a database name
     * there is only ever a name (an argument containing '=' would be read as a whole connection string).
     */
    private static Map<String, String> env(Dsn dsn, String database) {
        Map<String, String> env = new HashMap<>();
        env.put("PGHOST", dsn.host());
        env.put("PGPORT", Integer.toString(dsn.port()));
        env.put("PGDATABASE", database);
        if (dsn.user() != null) {
            env.put("PGUSER", dsn.user());
        }
        if (dsn.password() != null) {
            env.put("PGPASSWORD", dsn.password());
        }
        dsn.option("sslmode").ifPresent(v -> env.put("PGSSLMODE", v));
        dsn.option("sslrootcert").ifPresent(v -> env.put("PGSSLROOTCERT", v));
        env.put("PGCONNECT_TIMEOUT", "15");
        env.put("PGAPPNAME", "pgactive-tools-upgrade");
        return env;
    }

    private static boolean exists(Connection c, String role, int timeout) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ROLE_EXISTS)) {
            ps.setQueryTimeout(timeout);
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    static String formatted(Connection c, String sql, int timeout, String... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(timeout);
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    static void execute(Connection c, String sql, int timeout) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.setQueryTimeout(timeout);
            st.execute(sql);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException ignored) {
            // a schema dump holds no data and no secret
        }
    }
}
