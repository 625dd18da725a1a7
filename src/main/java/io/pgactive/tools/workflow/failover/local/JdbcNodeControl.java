package io.pgactive.tools.workflow.failover.local;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.workflow.failover.NodeControl;
import io.pgactive.tools.workflow.failover.SynchronousStandbys;
import io.pgactive.tools.workflow.upgrade.Pinned;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.pgactive.tools.workflow.upgrade.local.DsnResolver;
import io.pgactive.tools.workflow.upgrade.local.PgAdmin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link NodeControl} over JDBC with each node's configured DSN. The role needs {@code EXECUTE} on {@code pg_promote}
 * for promotion, and for fencing a reachable primary {@code ALTER SYSTEM} on {@code default_transaction_read_only}
 * (or superuser) and {@code pg_signal_backend}; for {@code synchronous_standby_names}, {@code ALTER SYSTEM} on it.
 */
public final class JdbcNodeControl implements NodeControl {

    static final String READ_ONLY = "ALTER SYSTEM SET default_transaction_read_only = on";
    static final String READ_WRITE = "ALTER SYSTEM RESET default_transaction_read_only";
    static final String RELOAD = "SELECT pg_reload_conf()";
    /** Client sessions other than this one: they keep the setting they started with, so they are ended. */
    static final String END_CLIENT_SESSIONS = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            + "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()";

    static final String IN_RECOVERY = "SELECT pg_is_in_recovery()";
    /** Asks for the promotion and returns at once; the end of recovery is polled ({@link #PROMOTE_POLL}). */
    static final String PROMOTE_NO_WAIT = "SELECT pg_promote(false)";
    /** How often a node being promoted is asked whether it left recovery. */
    static final Duration PROMOTE_POLL = Duration.ofMillis(10);

    static final String CURRENT_LSN = "SELECT pg_current_wal_lsn()::text";
    static final String REPLAY_LSN = "SELECT pg_last_wal_replay_lsn()::text";
    static final String WRITABLE =
            "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'";

    static final String SHOW_SYNC_STANDBYS = "SHOW synchronous_standby_names";
    /**
     * ALTER SYSTEM takes no bind parameters: the server quotes the (already checked) value as a literal, and only
     * that literal follows this text.
     */
    static final String QUOTE_LITERAL = "SELECT quote_literal(?)";

    static final String SET_SYNC_STANDBYS = "ALTER SYSTEM SET synchronous_standby_names = ";
    /** How often a node is asked whether its sessions have read the reloaded configuration. */
    static final Duration RELOAD_POLL = Duration.ofMillis(50);

    private final DsnResolver nodes;
    private final Duration probeTimeout;
    /** A pinned control's open connections by node; null when every call opens its own. */
    private final Map<String, Connection> kept;

    public JdbcNodeControl(Map<String, Dsn> nodes, Duration probeTimeout) {
        this(DsnResolver.of(nodes), probeTimeout);
    }

    /** With the node's DSN resolved at each use (a password read from its reference). */
    public JdbcNodeControl(DsnResolver nodes, Duration probeTimeout) {
        this(nodes, probeTimeout, null);
    }

    private JdbcNodeControl(DsnResolver nodes, Duration probeTimeout, Map<String, Connection> kept) {
        this.nodes = nodes;
        this.probeTimeout = probeTimeout;
        this.kept = kept;
    }

    @Override
    public Pinned<NodeControl> pinned(List<String> pinnedNodes) {
        JdbcNodeControl pinned = new JdbcNodeControl(nodes, probeTimeout, new HashMap<>());
        try {
            for (String node : pinnedNodes) {
                pinned.on(node, probeTimeout, st -> null);
            }
        } catch (RuntimeException e) {
            pinned.closeKept();
            throw e;
        }
        return new Pinned<>(pinned, pinned::closeKept);
    }

    private void closeKept() {
        kept.values().forEach(JdbcNodeControl::closeQuietly);
        kept.clear();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // the connection is dropped either way; closing a broken one can fail and changes nothing
        }
    }

    @Override
    public boolean answers(String node) {
        try {
            return on(node, probeTimeout, st -> query(st, "SELECT 1") != null);
        } catch (UpgradeException e) {
            return false;
        }
    }

    @Override
    public boolean makeReadOnly(String node) {
        try {
            return on(node, probeTimeout, st -> {
                st.execute(READ_ONLY);
                st.execute(RELOAD);
                st.execute(END_CLIENT_SESSIONS);
                return true;
            });
        } catch (UpgradeException e) {
            if (e.retryable()) {
                return false; // unreachable: the router's fence is what stands
            }
            throw e;
        }
    }

    @Override
    public void makeWritable(String node) {
        on(node, probeTimeout, st -> {
            st.execute(READ_WRITE);
            st.execute(RELOAD);
            return null;
        });
    }

    @Override
    public String currentLsn(String node) {
        return on(node, probeTimeout, st -> query(st, CURRENT_LSN));
    }

    @Override
    public String replayLsn(String node) {
        return on(node, probeTimeout, st -> query(st, REPLAY_LSN));
    }

    @Override
    public boolean promote(String node, long timeoutMillis) {
        Duration timeout = Duration.ofMillis(timeoutMillis);
        return on(node, timeout.plusSeconds(5), st -> {
            if (!"t".equals(query(st, IN_RECOVERY))) {
                return false;
            }
            // pg_promote(wait => true) looks for the end of recovery every 100 ms; clients held in a switchover wait
            // for every one of them, so the end is polled here, more often
            query(st, PROMOTE_NO_WAIT);
            long deadline = System.nanoTime() + timeout.toNanos();
            while ("t".equals(query(st, IN_RECOVERY))) {
                if (System.nanoTime() - deadline > 0) {
                    throw new SQLException("still in recovery " + timeoutMillis + " ms after pg_promote", "57014");
                }
                pause(PROMOTE_POLL);
            }
            return true;
        });
    }

    @Override
    public boolean writable(String node) {
        try {
            return on(node, probeTimeout, st -> "t".equals(query(st, WRITABLE)));
        } catch (UpgradeException e) {
            if (e.retryable()) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public String synchronousStandbyNames(String node) {
        return on(node, probeTimeout, st -> query(st, SHOW_SYNC_STANDBYS));
    }

    @Override
    public String setSynchronousStandbyNames(String node, List<String> names, long timeoutMillis) {
        String value;
        try {
            value = SynchronousStandbys.value(names);
        } catch (IllegalArgumentException e) {
            throw new UpgradeException(node + ": synchronous_standby_names: " + e.getMessage(), false);
        }
        Duration timeout = Duration.ofMillis(timeoutMillis);
        return on(node, timeout.plus(probeTimeout), st -> {
            String before = query(st, SHOW_SYNC_STANDBYS);
            String literal;
            try (PreparedStatement quote = st.getConnection().prepareStatement(QUOTE_LITERAL)) {
                quote.setString(1, value);
                try (ResultSet rs = quote.executeQuery()) {
                    rs.next();
                    literal = rs.getString(1);
                }
            }
            st.execute(SET_SYNC_STANDBYS + literal);
            st.execute(RELOAD);
            // the reload reaches this session at its next command; a value in postgresql.conf that the server
            // rejects, or a lost signal, shows as the old value here
            long deadline = System.nanoTime() + timeout.toNanos();
            String now = query(st, SHOW_SYNC_STANDBYS);
            while (!value.equals(now)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new UpgradeException(
                            node + ": synchronous_standby_names is still '" + now + "' " + timeoutMillis
                                    + " ms after ALTER SYSTEM and pg_reload_conf() set it to '" + value
                                    + "' (see pg_file_settings on " + node + ")",
                            false);
                }
                pause();
                now = query(st, SHOW_SYNC_STANDBYS);
            }
            return before;
        });
    }

    private static void pause() throws SQLException {
        pause(RELOAD_POLL);
    }

    private static void pause(Duration pause) throws SQLException {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting", "57014", e);
        }
    }

    private interface Work<T> {
        T run(Statement st) throws SQLException;
    }

    private <T> T on(String node, Duration timeout, Work<T> work) {
        Dsn dsn = nodes.resolve(node).orElse(null);
        if (dsn == null) {
            throw new UpgradeException("no configured node is named '" + node + "'", false);
        }
        if (kept != null) {
            return onKept(node, dsn, timeout, work);
        }
        try (Connection c = PgAdmin.connect(node, dsn, null, timeout);
                Statement st = c.createStatement()) {
            st.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
            return work.run(st);
        } catch (SQLException e) {
            throw PgAdmin.failure(node, dsn, "failover step", e);
        }
    }

    /**
     * {@link #on} over the node's kept connection, opened at first use and dropped when a statement fails. A kept
     * connection the node ended since its last use (a terminated backend, a restart) is replaced and the work run once
     * more on the new one: every statement here can be repeated, and a lost session must not read as a lost node.
     */
    private <T> T onKept(String node, Dsn dsn, Duration timeout, Work<T> work) {
        Connection c = kept.get(node);
        boolean fresh = c == null;
        if (fresh) {
            c = PgAdmin.connect(node, dsn, null, timeout);
            kept.put(node, c);
        }
        try (Statement st = c.createStatement()) {
            st.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
            return work.run(st);
        } catch (SQLException e) {
            kept.remove(node);
            closeQuietly(c);
            if (!fresh && sessionLost(e)) {
                return onKept(node, dsn, timeout, work);
            }
            throw PgAdmin.failure(node, dsn, "failover step", e);
        } catch (RuntimeException e) {
            kept.remove(node);
            closeQuietly(c);
            throw e;
        }
    }

    /** The connection is gone (class 08) or the server ended the session (57P01 to 57P03). */
    private static boolean sessionLost(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03");
    }

    private static String query(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
