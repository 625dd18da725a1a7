package io.pgactive.tools.workflow.upgrade.aws;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.UpgradeScope;
import io.pgactive.tools.sql.SqlFiles;
import io.pgactive.tools.workflow.upgrade.ReplicationGroup;
import io.pgactive.tools.workflow.upgrade.ReplicationState;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.pgactive.tools.workflow.upgrade.local.DsnResolver;
import io.pgactive.tools.workflow.upgrade.local.PgAdmin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * {@link ReplicationGroup} as a pgactive group (Amazon RDS for PostgreSQL, or any server with the pgactive extension):
 * the source creates the group, the target joins it (pgactive copies schema and data, then streams), and since pgactive
 * replicates in both directions the path back exists from the moment the target is ready. Detaching removes the
 * source from the group; the target stays a group of one.
 *
 * <p>Nodes reach each other through {@code pgactive_fdw} foreign servers with a user mapping for the administrative
 * role, so the DSNs pgactive stores in its replicated catalog name a server, never a password. Every object is named
 * after its node, so a repeated call finds what an earlier one made. pgactive replicates the whole database: table
 * filters are refused by {@link #preflight}.
 */
public final class PgactiveReplicationGroup implements ReplicationGroup {

    static final String INSTALLED = SqlFiles.load("pgactive-group/installed");
    static final String CREATE_EXTENSION = SqlFiles.load("pgactive-group/create_extension");
    static final String SETTINGS = SqlFiles.load("pgactive-group/settings");
    static final String LOCAL_NODE = SqlFiles.load("pgactive-group/local_node");
    static final String NODE_STATUS = SqlFiles.load("pgactive-group/node_status");
    static final String CREATE_GROUP = SqlFiles.load("pgactive-group/create_group");
    static final String JOIN_GROUP = SqlFiles.load("pgactive-group/join_group");
    static final String WAIT_FOR_NODE_READY = SqlFiles.load("pgactive-group/wait_for_node_ready");
    static final String DETACH_NODES = SqlFiles.load("pgactive-group/detach_nodes");
    static final String REMOVE = SqlFiles.load("pgactive-group/remove");
    static final String PEER_LAG = SqlFiles.load("pgactive-group/peer_lag");
    static final String UNCONFIRMED_SINCE = SqlFiles.load("pgactive-group/unconfirmed_since");
    static final String CURRENT_LSN = SqlFiles.load("pgactive-group/current_lsn");
    static final String WORKER_ERRORS = SqlFiles.load("pgactive-group/worker_errors");
    static final String TABLES_WITHOUT_KEY = SqlFiles.load("pgactive-group/tables_without_key");
    static final String SUBSCRIPTIONS = SqlFiles.load("pgactive-group/subscriptions");
    static final String PGLOGICAL = SqlFiles.load("pgactive-group/pglogical");
    static final String SEQUENCES = SqlFiles.load("pgactive-group/sequences");
    static final String RAISE_SEQUENCE = SqlFiles.load("pgactive-group/raise_sequence");
    static final String SERVER_EXISTS = SqlFiles.load("pgactive-group/server_exists");
    static final String CREATE_SERVER = SqlFiles.load("pgactive-group/create_server");
    static final String ALTER_SERVER = SqlFiles.load("pgactive-group/alter_server");
    static final String CREATE_MAPPING = SqlFiles.load("pgactive-group/create_mapping");
    static final String ALTER_MAPPING = SqlFiles.load("pgactive-group/alter_mapping");
    static final String DROP_SERVER = SqlFiles.load("pgactive-group/drop_server");
    /** Keeps the statements that carry a password out of the server log where the role may change it. */
    static final String QUIET = "SET log_statement = 'none'";

    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    /** pgactive raises this from its lag function while no node of the database is ready. */
    private static final String NOT_ACTIVE = "55000";

    private final DsnResolver dsns;
    private final Duration connectTimeout;
    private final Duration readyTimeout;
    private final Duration poll;

    /**
     * @param dsns           administrative logins of the nodes ({@code rds_superuser} on RDS)
     * @param connectTimeout for each connection
     * @param readyTimeout   how long {@link #start} waits for the group's first node to be ready
     * @param poll           pause between two readings in {@link #awaitApplied}
     */
    public PgactiveReplicationGroup(DsnResolver dsns, Duration connectTimeout, Duration readyTimeout, Duration poll) {
        this.dsns = dsns;
        this.connectTimeout = connectTimeout;
        this.readyTimeout = readyTimeout;
        this.poll = poll;
    }

    /** The name of the foreign server that points at {@code node}, on every member. */
    static String serverName(String node) {
        requireNode(node);
        return "pgat_" + node.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    /** What pgactive stores as a node's DSN: the foreign server and the role whose user mapping logs in. */
    static String nodeDsn(String node, String role) {
        return "user_mapping=" + role + " pgactive_foreign_server=" + serverName(node);
    }

    @Override
    public List<String> preflight(DatabaseRef source, UpgradeScope scope) {
        return on(source, "preflight", c -> {
            List<String> risks = new ArrayList<>();
            if (!scope.tables().isEmpty()) {
                risks.add("pgactive replicates the whole database; table filters (" + String.join(", ", scope.tables())
                        + ") are not supported with it");
            }
            for (String table : strings(c, TABLES_WITHOUT_KEY)) {
                risks.add("table " + table + " has no primary key: pgactive cannot replicate its UPDATEs and DELETEs");
            }
            if (count(c, SUBSCRIPTIONS) > 0) {
                risks.add("the database has logical replication subscriptions; pgactive refuses to join such a node");
            }
            if (count(c, PGLOGICAL) > 0) {
                risks.add("pglogical is installed; pgactive refuses to join such a node");
            }
            return risks;
        });
    }

    @Override
    public List<String> configure(DatabaseRef node) {
        return on(node, "read settings", c -> {
            List<String> pending = new ArrayList<>();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(SETTINGS)) {
                rs.next();
                String rdsFlag = rs.getString("rds_enable_pgactive");
                if (rdsFlag != null) {
                    if (!rdsFlag.equals("1") && !rdsFlag.equalsIgnoreCase("on")) {
                        pending.add("rds.enable_pgactive = 1 (in the instance's parameter group; needs a reboot)");
                    }
                } else if (!rs.getString("preload").contains("pgactive")) {
                    pending.add("shared_preload_libraries must include pgactive (needs a restart)");
                }
                if (!"logical".equals(rs.getString("wal_level"))) {
                    pending.add("wal_level = logical (needs a restart)");
                }
                if (!"on".equals(rs.getString("track_commit_timestamp"))) {
                    pending.add("track_commit_timestamp = on (needs a restart)");
                }
            }
            return pending;
        });
    }

    @Override
    public void install(DatabaseRef node, UpgradeScope scope) {
        on(node, "install pgactive", c -> {
            if (!bool(c, INSTALLED)) {
                try (Statement st = c.createStatement()) {
                    st.execute(CREATE_EXTENSION);
                }
            }
            return null;
        });
    }

    @Override
    public void start(DatabaseRef source, DatabaseRef target, UpgradeScope scope) {
        for (DatabaseRef member : List.of(source, target)) {
            on(member, "foreign servers", c -> {
                servers(c, source);
                servers(c, target);
                return null;
            });
        }
        Dsn sourceLogin = dsn(source);
        Dsn targetLogin = dsn(target);
        on(source, "create the pgactive group", c -> {
            Optional<String[]> local = localNode(c);
            if (local.isEmpty()) {
                exec(c, CREATE_GROUP, source.node(), nodeDsn(source.node(), sourceLogin.user()));
            }
            // the group's first node becomes ready within seconds; pgactive's own wait polls its catalog
            exec(c, WAIT_FOR_NODE_READY, (int) Math.max(1, readyTimeout.toSeconds()), 60);
            return null;
        });
        on(target, "join the pgactive group", c -> {
            Optional<String[]> local = localNode(c);
            if (local.isPresent() && !local.get()[0].equals(target.node())) {
                throw new UpgradeException(
                        target.node() + " is already a pgactive node named '" + local.get()[0] + "'", false);
            }
            if (local.isEmpty() || "k".equals(local.get()[1])) {
                // the join continues in pgactive's background workers: copy, catch-up, then status 'r'
                exec(
                        c,
                        JOIN_GROUP,
                        target.node(),
                        nodeDsn(target.node(), targetLogin.user()),
                        nodeDsn(source.node(), sourceLogin.user()));
            }
            return null;
        });
    }

    @Override
    public ReplicationState state(DatabaseRef source, DatabaseRef target) {
        String targetStatus = on(
                target, "read the node status", c -> localNode(c).map(n -> n[1]).orElse(""));
        long[] forward = on(source, "read replication lag", c -> peer(c, target.node()));
        long[] reverse = on(target, "read replication lag", c -> peer(c, source.node()));
        long errors = on(source, "read worker errors", this::workerErrors)
                + on(target, "read worker errors", this::workerErrors);
        boolean ready = "r".equals(targetStatus);
        String detail = ready
                ? "target ready"
                : targetStatus.isEmpty()
                        ? "target not joined"
                        : "target joining (pgactive status '" + targetStatus + "')";
        return new ReplicationState(ready, forward[0] == 1, reverse[0] == 1, forward[1], reverse[1], errors, detail);
    }

    @Override
    public void startReverse(DatabaseRef source, DatabaseRef target) {
        // pgactive replicates both ways once the target is ready; nothing to create, but the path must be there
        String status = on(
                target, "read the node status", c -> localNode(c).map(n -> n[1]).orElse(""));
        if (!"r".equals(status)) {
            throw new UpgradeException(
                    target.node() + " is not a ready pgactive node yet (status '" + status + "'): no path back", true);
        }
    }

    @Override
    public long awaitApplied(DatabaseRef from, DatabaseRef to, Duration timeout) {
        String lsn =
                on(from, "read the WAL position", c -> strings(c, CURRENT_LSN).get(0));
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            long missing = on(from, "read the confirmed position", c -> {
                try (PreparedStatement ps = c.prepareStatement(UNCONFIRMED_SINCE)) {
                    ps.setString(1, lsn);
                    ps.setString(2, lsn);
                    ps.setString(3, to.node());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1);
                    }
                } catch (SQLException e) {
                    if (NOT_ACTIVE.equals(e.getSQLState())) {
                        return Long.MAX_VALUE;
                    }
                    throw e;
                }
            });
            if (missing == 0 || !Instant.now().plus(poll).isBefore(deadline)) {
                return missing;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return missing;
            }
        }
    }

    @Override
    public void syncSequences(DatabaseRef from, DatabaseRef to, UpgradeScope scope) {
        syncSequencesAhead(from, to, scope, 0);
    }

    @Override
    public void syncSequencesAhead(DatabaseRef from, DatabaseRef to, UpgradeScope scope, long headroom) {
        Map<String, Long> values = on(from, "read sequences", c -> {
            Map<String, Long> v = new LinkedHashMap<>();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(SEQUENCES)) {
                while (rs.next()) {
                    v.put(rs.getString(1), rs.getLong(2));
                }
            }
            return v;
        });
        on(to, "set sequences", c -> {
            for (Map.Entry<String, Long> e : values.entrySet()) {
                long wanted = e.getValue() + headroom;
                try (PreparedStatement ps = c.prepareStatement(RAISE_SEQUENCE)) {
                    ps.setLong(1, wanted);
                    ps.setString(2, e.getKey());
                    ps.setString(3, e.getKey());
                    ps.setLong(4, wanted);
                    ps.execute();
                }
            }
            return null;
        });
    }

    @Override
    public void detach(DatabaseRef source, DatabaseRef target) {
        // pgactive wants a detach run on a node that stays; the target stays unless it cannot be reached (then it is
        // being thrown away and the source detaches it)
        boolean detachedOnTarget;
        try {
            on(target, "detach the source", c -> {
                detachIfMember(c, source.node());
                exec(c, dropServer(c, source.node()));
                return null;
            });
            detachedOnTarget = true;
        } catch (UpgradeException e) {
            if (!e.retryable()) {
                throw e;
            }
            detachedOnTarget = false;
        }
        boolean sourceDetached = detachedOnTarget;
        on(source, "leave the pgactive group", c -> {
            if (!sourceDetached) {
                detachIfMember(c, target.node());
            } else if (bool(c, INSTALLED) && localNode(c).isPresent()) {
                try (Statement st = c.createStatement()) {
                    st.execute(REMOVE);
                }
            }
            exec(c, dropServer(c, target.node()));
            if (sourceDetached) {
                exec(c, dropServer(c, source.node()));
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ helpers

    private void detachIfMember(Connection c, String node) throws SQLException {
        if (!bool(c, INSTALLED)) {
            return;
        }
        List<String> status = strings(c, NODE_STATUS, node);
        if (!status.isEmpty() && !"k".equals(status.get(0))) {
            exec(c, DETACH_NODES, node);
        }
    }

    /** The DROP SERVER statement for a node's foreign server, quoted by the server. */
    private static String dropServer(Connection c, String node) throws SQLException {
        return strings(c, DROP_SERVER, serverName(node)).get(0);
    }

    /** The foreign server for {@code node} and the current role's user mapping on it, created or brought up to date. */
    private void servers(Connection c, DatabaseRef node) throws SQLException {
        Dsn login = dsn(node);
        String server = serverName(node.node());
        String port = Integer.toString(node.port());
        boolean exists = !strings(c, SERVER_EXISTS, server).isEmpty();
        exec(
                c,
                strings(c, exists ? ALTER_SERVER : CREATE_SERVER, server, node.host(), port, node.database())
                        .get(0));
        try (Statement st = c.createStatement()) {
            st.execute(QUIET);
        } catch (SQLException e) {
            // not allowed for this role: the statements still work, the server log may record them
        }
        try {
            exec(
                    c,
                    strings(c, CREATE_MAPPING, server, login.user(), login.password())
                            .get(0));
            exec(
                    c,
                    strings(c, ALTER_MAPPING, server, login.user(), login.password())
                            .get(0));
        } catch (SQLException e) {
            // the statements carry the password of the node the mapping points at, not of this connection
            throw new SQLException(Dsn.redact(e.getMessage(), login.password()), e.getSQLState());
        }
    }

    private long workerErrors(Connection c) throws SQLException {
        return bool(c, INSTALLED) ? count(c, WORKER_ERRORS) : 0;
    }

    /** {active 1/0, pending bytes or -1} of the slot {@code peer} consumes on this node. */
    private static long[] peer(Connection c, String peer) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PEER_LAG)) {
            ps.setString(1, peer);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                boolean active = rs.getBoolean("active");
                long pending = rs.getLong("pending_wal_to_apply");
                if (rs.wasNull()) {
                    pending = rs.getLong("unconfirmed");
                    pending = rs.wasNull() ? -1 : pending;
                }
                return new long[] {active ? 1 : 0, pending};
            }
        } catch (SQLException e) {
            if (NOT_ACTIVE.equals(e.getSQLState())
                    || "3F000".equals(e.getSQLState())
                    || "42883".equals(e.getSQLState())) {
                return new long[] {0, -1}; // no ready node, or pgactive not installed: nothing flows
            }
            throw e;
        }
    }

    /** {name, status} of this database's own pgactive node, if it has one. */
    private static Optional<String[]> localNode(Connection c) throws SQLException {
        if (!bool(c, INSTALLED)) {
            return Optional.empty();
        }
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(LOCAL_NODE)) {
            return rs.next() ? Optional.of(new String[] {rs.getString(1), rs.getString(2)}) : Optional.empty();
        }
    }

    private Dsn dsn(DatabaseRef node) {
        return dsns.resolve(node.node())
                .orElseThrow(
                        () -> new UpgradeException("no administrative login for node '" + node.node() + "'", false));
    }

    private static void requireNode(String node) {
        if (node == null || !NODE.matcher(node).matches()) {
            throw new UpgradeException("invalid node name '" + node + "'", false);
        }
    }

    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T on(DatabaseRef node, String action, Work<T> work) {
        requireNode(node.node());
        Dsn login = dsn(node);
        Dsn at = new Dsn(node.host(), node.port(), node.database(), login.user(), login.password(), login.options());
        try (Connection c = PgAdmin.connect(node.node(), at, null, connectTimeout)) {
            return work.run(c);
        } catch (SQLException e) {
            throw PgAdmin.failure(node.node(), at, action, e);
        }
    }

    private static void exec(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        }
    }

    private static List<String> strings(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    private static boolean bool(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }
}
