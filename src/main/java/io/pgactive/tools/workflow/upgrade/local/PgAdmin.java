package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/** Administrative JDBC connections for the local ports, with errors that name the node and never a secret. */
public final class PgAdmin {

    private PgAdmin() {}

    /** Connects to {@code database} (the DSN's own when null) of the node behind {@code dsn}. */
    public static Connection connect(String node, Dsn dsn, String database, Duration timeout) {
        String db = database == null ? dsn.database() : database;
        Properties p = new Properties();
        if (dsn.user() != null) {
            p.setProperty("user", dsn.user());
        }
        if (dsn.password() != null) {
            p.setProperty("password", dsn.password());
        }
        long seconds = Math.max(1, timeout.toSeconds());
        p.setProperty("connectTimeout", Long.toString(seconds));
        p.setProperty("loginTimeout", Long.toString(seconds));
        p.setProperty("ApplicationName", "pgactive-tools-upgrade");
        dsn.option("sslmode").ifPresent(mode -> p.setProperty("sslmode", mode));
        dsn.option("sslrootcert").ifPresent(path -> p.setProperty("sslrootcert", path));
        String url = "jdbc:postgresql://" + (dsn.host().contains(":") ? "[" + dsn.host() + "]" : dsn.host()) + ":"
                + dsn.port() + "/" + urlEncode(db);
        try {
            return DriverManager.getConnection(url, p);
        } catch (SQLException e) {
            throw failure(node, dsn, "connect to " + dsn.address() + "/" + db, e);
        }
    }

    /**
     * A failure of {@code action} on {@code node}; connection problems and serialization failures are worth a retry,
     * refused statements are not.
     */
    public static UpgradeException failure(String node, Dsn dsn, String action, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean retryable = state.startsWith("08")
                || state.startsWith("57P")
                || state.equals("40001")
                || state.equals("40P01")
                || state.equals("55P03")
                || state.equals("53300");
        String text = node + ": " + action + " failed: " + e.getMessage() + (state.isEmpty() ? "" : " [" + state + "]");
        String safe = Dsn.redact(text, dsn == null ? null : dsn.password());
        return new UpgradeException(safe, retryable, safe.equals(text) ? e : null);
    }

    private static String urlEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
