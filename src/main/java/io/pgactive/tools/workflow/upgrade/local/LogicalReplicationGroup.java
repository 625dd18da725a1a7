package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.UpgradeScope;
import io.pgactive.tools.workflow.upgrade.Pinned;
import io.pgactive.tools.workflow.upgrade.ReplicationGroup;
import io.pgactive.tools.workflow.upgrade.ReplicationState;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Native logical replication between the source and the target of an upgrade.
 *
 * <p>Objects, all named after the nodes so that a repeated call finds them: a publication {@code pgat_pub_<node>} on
 * each side holding the tables in scope; on the target the forward subscription {@code pgat_fwd_<target>}
 * (initial copy, {@code origin = none}); on the source the reverse subscription {@code pgat_rev_<target>}
 * ({@code copy_data = false}, {@code origin = none}). Each subscription's slot has the subscription's name. With
 * {@code origin = none} on both subscriptions a change is sent on only by the node where it was first written, so no
 * loop can form; that option needs PostgreSQL 16 on the subscriber, which is why a path back to an older source is
 * refused (the preflight says so first).
 *
 * <p>Subscriptions keep their connection string, password included, in {@code pg_subscription}, readable by
 * superusers only: native logical replication has no other way to log in. Statements that carry it (and the copied
 * roles' password verifiers) run with {@code log_statement = none} and {@code log_min_error_statement = panic}, so
 * that neither a statement log nor a failure copies them into the server log.
 */
public final class LogicalReplicationGroup implements ReplicationGroup {

    private static final int MIN_ORIGIN_NONE_MAJOR = 16;
    /** awaitApplied runs while clients are held at cutover: every poll interval may add to their wait. */
    private static final Duration APPLIED_POLL = Duration.ofMillis(20);

    /** What configure() puts in place; each needs a restart. */
    private static final Map<String, String> REQUIRED_SETTINGS = requiredSettings();

    private static final String QUIET_SESSION = "SET log_statement = 'none'; SET log_min_error_statement = panic";
    private static final String LOUD_SESSION = "RESET log_statement; RESET log_min_error_statement";
    private static final String SETTING = "SELECT setting FROM pg_settings WHERE name = ?";
    private static final String SERVER_MAJOR = "SELECT current_setting('server_version_num')::int / 10000";
    private static final String IN_RECOVERY = "SELECT pg_is_in_recovery()";
    private static final String RELOAD = "SELECT pg_reload_conf()";
    private static final String LARGE_OBJECTS = "SELECT count(*) FROM pg_largeobject_metadata";
    private static final String PUBLICATION_EXISTS = "SELECT 1 FROM pg_publication WHERE pubname = ?";
    private static final String PUBLICATION_TABLES =
            "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ? ORDER BY 1, 2";
    private static final String CREATE_PUBLICATION = "SELECT format('CREATE PUBLICATION %I', ?::text)";
    private static final String SET_PUBLICATION_TABLES = """
            SELECT format('ALTER PUBLICATION %I SET TABLE %s', ?::text,
                          string_agg(format('%I.%I', s, t), ', ' ORDER BY s, t))
            FROM unnest(?::text[], ?::text[]) AS x(s, t)
            """;
    private static final String SUBSCRIPTION_EXISTS =
            "SELECT 1 FROM pg_subscription WHERE subname = ? AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())";
    private static final String CREATE_SUBSCRIPTION = """
            SELECT format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %I WITH (%s)', ?::text, ?::text, ?::text, ?::text)
            """;
    private static final String DISABLE_SUBSCRIPTION = "SELECT format('ALTER SUBSCRIPTION %I DISABLE', ?::text)";
    private static final String DETACH_SLOT = "SELECT format('ALTER SUBSCRIPTION %I SET (slot_name = NONE)', ?::text)";
    private static final String DROP_SUBSCRIPTION = "SELECT format('DROP SUBSCRIPTION IF EXISTS %I', ?::text)";
    private static final String DROP_PUBLICATION = "SELECT format('DROP PUBLICATION IF EXISTS %I', ?::text)";
    private static final String DROP_INACTIVE_SLOT =
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active";
    private static final String SLOT_EXISTS = "SELECT active FROM pg_replication_slots WHERE slot_name = ?";
    private static final String SLOT_LAG = """
            SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint
            FROM pg_replication_slots WHERE slot_name = ?
            """;
    private static final String SLOT_LAG_TO = """
            SELECT pg_wal_lsn_diff(?::pg_lsn, confirmed_flush_lsn)::bigint
            FROM pg_replication_slots WHERE slot_name = ?
            """;
    private static final String CURRENT_LSN = "SELECT pg_current_wal_lsn()::text";
    private static final String COPY_STATE = """
            SELECT count(*) FILTER (WHERE sr.srsubstate = 'r'), count(*)
            FROM pg_subscription_rel sr JOIN pg_subscription s ON s.oid = sr.srsubid
            WHERE s.subname = ?
            """;
    private static final String APPLY_WORKER =
            "SELECT count(*) FROM pg_stat_subscription WHERE subname = ? AND pid IS NOT NULL AND relid IS NULL";
    private static final String APPLY_ERRORS = """
            SELECT coalesce(sum(apply_error_count + sync_error_count), 0)::bigint
            FROM pg_stat_subscription_stats WHERE subname = ?
            """;
    private static final String SEQUENCES = """
            SELECT s.schemaname, s.sequencename, s.last_value
            FROM pg_sequences s
            JOIN pg_namespace n ON n.nspname = s.schemaname
            JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
            LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                 AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
            LEFT JOIN pg_class t ON t.oid = d.refobjid
            LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
            WHERE s.last_value IS NOT NULL
              AND ((?::boolean AND s.schemaname <> 'information_schema' AND s.schemaname NOT LIKE 'pg\\_%')
                   OR EXISTS (SELECT 1 FROM unnest(?::text[], ?::text[]) AS p(sch, tab)
                              WHERE (t.oid IS NOT NULL AND tn.nspname = p.sch AND t.relname = p.tab)
                                 OR (t.oid IS NULL AND s.schemaname = p.sch)))
            ORDER BY 1, 2
            """;
    private static final String TARGET_SEQUENCE =
            "SELECT last_value FROM pg_sequences WHERE schemaname = ? AND sequencename = ?";
    private static final String SET_SEQUENCE = "SELECT setval(format('%I.%I', ?::text, ?::text)::regclass, ?, true)";

    private final LogicalReplicationSettings settings;
    private final SchemaCopy schemaCopy;
    /** Connections a pinned group keeps open, by database; null when every call opens its own. */
    private final Map<DatabaseRef, Connection> kept;

    public LogicalReplicationGroup(LogicalReplicationSettings settings) {
        this(settings, null);
    }

    private LogicalReplicationGroup(LogicalReplicationSettings settings, Map<DatabaseRef, Connection> kept) {
        this.settings = settings;
        this.schemaCopy = new SchemaCopy(settings);
        this.kept = kept;
    }

    @Override
    public Pinned<ReplicationGroup> pinned() {
        LogicalReplicationGroup pinned = new LogicalReplicationGroup(settings, new HashMap<>());
        return new Pinned<>(pinned, pinned::closeKept);
    }

    // ------------------------------------------------------------------ the port

    @Override
    public List<String> preflight(DatabaseRef source, UpgradeScope scope) {
        ScopeTables tables = new ScopeTables(scope);
        return withConnection(source, "preflight", c -> {
            List<String> problems = new ArrayList<>();
            for (String pattern : tables.unmatched(c, timeout())) {
                problems.add("scope pattern " + pattern + " matches no table on " + source.node());
            }
            List<ScopeTables.Table> inScope = tables.list(c, timeout());
            if (inScope.isEmpty()) {
                problems.add("no table in scope on " + source.node() + ": nothing would be replicated");
            }
            for (ScopeTables.Table t : inScope) {
                if (!t.hasIdentity()) {
                    problems.add("table " + t.qualified() + " has no primary key or replica identity: UPDATE and "
                            + "DELETE on it fail once it is published; add a primary key or set REPLICA IDENTITY FULL");
                }
                if (t.unlogged()) {
                    problems.add("table " + t.qualified() + " is unlogged: its rows are not replicated and would be "
                            + "missing on the target");
                }
            }
            if (bool(c, IN_RECOVERY)) {
                problems.add(source.node() + " is a standby: upgrade its primary instead");
            }
            int major = Integer.parseInt(single(c, SERVER_MAJOR));
            if (major < MIN_ORIGIN_NONE_MAJOR) {
                problems.add(source.node() + " runs PostgreSQL " + major + ": the path back from the target needs "
                        + "PostgreSQL " + MIN_ORIGIN_NONE_MAJOR
                        + "+ on the source (origin = none), so a rollback after "
                        + "cutover would lose the writes made on the target");
            }
            long workMemKb = Long.parseLong(settingValue(c, "logical_decoding_work_mem"));
            if (workMemKb < settings.minDecodingWorkMemKb()) {
                problems.add("logical_decoding_work_mem is " + workMemKb + " kB on " + source.node() + ": "
                        + "transactions larger than that spill to disk while they are decoded; raise it to at least "
                        + settings.minDecodingWorkMemKb() + " kB");
            }
            long keepKb = Long.parseLong(settingValue(c, "max_slot_wal_keep_size"));
            if (keepKb >= 0) {
                problems.add("max_slot_wal_keep_size is " + keepKb + " MB on " + source.node() + ": a long initial "
                        + "copy or a slow target can invalidate the upgrade's slot; set it to -1 for the upgrade");
            }
            long largeObjects = Long.parseLong(single(c, LARGE_OBJECTS));
            if (largeObjects > 0) {
                problems.add(source.node() + " holds " + largeObjects + " large objects: they are not replicated");
            }
            return problems;
        });
    }

    @Override
    public List<String> configure(DatabaseRef node) {
        return withConnection(node, "configure", c -> {
            // every one of these is read at server start only: while the running value falls short, a restart is due
            List<String> needRestart = new ArrayList<>();
            for (Map.Entry<String, String> e : REQUIRED_SETTINGS.entrySet()) {
                String running = settingValue(c, e.getKey());
                boolean enough = e.getKey().equals("wal_level")
                        ? running.equals("logical")
                        : Long.parseLong(running) >= Long.parseLong(e.getValue());
                if (!enough) {
                    // names and values are this class's constants
                    SchemaCopy.execute(c, "ALTER SYSTEM SET " + e.getKey() + " = '" + e.getValue() + "'", timeout());
                    needRestart.add(e.getKey());
                }
            }
            if (!needRestart.isEmpty()) {
                single(c, RELOAD);
            }
            return needRestart.stream().sorted().toList();
        });
    }

    @Override
    public void install(DatabaseRef node, UpgradeScope scope) {
        ScopeTables tables = new ScopeTables(scope);
        withConnection(node, "install", c -> {
            requireLogicalWal(node, c);
            List<ScopeTables.Table> inScope = tables.list(c, timeout());
            ensurePublication(
                    c,
                    publication(node),
                    inScope.stream().map(t -> List.of(t.schema(), t.name())).toList());
            return null;
        });
    }

    @Override
    public void start(DatabaseRef source, DatabaseRef target, UpgradeScope scope) {
        requireOriginNone(target, "the target");
        ScopeTables tables = new ScopeTables(scope);
        Dsn sourceDsn = dsn(source);
        Dsn targetDsn = dsn(target);
        List<ScopeTables.Table> inScope = withConnection(source, "start", c -> {
            requireLogicalWal(source, c);
            List<ScopeTables.Table> list = tables.list(c, timeout());
            ensurePublication(
                    c,
                    publication(source),
                    list.stream().map(t -> List.of(t.schema(), t.name())).toList());
            return list;
        });
        if (inScope.isEmpty()) {
            throw new UpgradeException("no table in scope on " + source.node() + ": nothing to replicate", false);
        }
        String subscription = forward(target);
        withConnection(target, "start", tgt -> {
            if (exists(tgt, SUBSCRIPTION_EXISTS, subscription)) {
                return null;
            }
            Set<String> present = tables.list(tgt, timeout()).stream()
                    .map(ScopeTables.Table::qualified)
                    .collect(Collectors.toCollection(TreeSet::new));
            List<String> missing = inScope.stream()
                    .map(ScopeTables.Table::qualified)
                    .filter(t -> !present.contains(t))
                    .toList();
            if (missing.size() == inScope.size()) {
                try (Connection src = open(source, sourceDsn)) {
                    unlogged(tgt, () -> schemaCopy.copyRoles(target, src, tgt));
                }
                schemaCopy.copySchema(source, sourceDsn, target, targetDsn);
            } else if (!missing.isEmpty()) {
                throw new UpgradeException(
                        target.node() + " has part of the schema already but lacks "
                                + missing.size() + " table(s) in scope, e.g. " + missing.get(0)
                                + ": drop the partial schema or complete it by hand",
                        false);
            }
            // a slot left by a subscription whose creation failed after the slot was made would block a new one
            withConnection(source, "start", src -> single(src, DROP_INACTIVE_SLOT, subscription));
            createSubscription(
                    tgt,
                    subscription,
                    sourceDsn,
                    source,
                    publication(source),
                    "copy_data = true, origin = none, streaming = on");
            return null;
        });
    }

    @Override
    public ReplicationState state(DatabaseRef source, DatabaseRef target) {
        String fwd = forward(target);
        String rev = reverse(target);
        long[] copy = new long[2];
        boolean[] active = new boolean[2];
        long[] lag = {-1, -1};
        long[] errors = new long[1];
        withConnection(target, "state", c -> {
            try (PreparedStatement ps = c.prepareStatement(COPY_STATE)) {
                ps.setQueryTimeout(timeout());
                ps.setString(1, fwd);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    copy[0] = rs.getLong(1);
                    copy[1] = rs.getLong(2);
                }
            }
            active[0] = Long.parseLong(single(c, APPLY_WORKER, fwd)) > 0;
            errors[0] += applyErrors(c, fwd);
            lag[1] = slotLag(c, rev);
            return null;
        });
        withConnection(source, "state", c -> {
            active[1] = Long.parseLong(single(c, APPLY_WORKER, rev)) > 0;
            errors[0] += applyErrors(c, rev);
            lag[0] = slotLag(c, fwd);
            return null;
        });
        boolean copyDone = copy[1] > 0 && copy[0] == copy[1];
        String detail;
        if (copy[1] == 0) {
            detail = "no forward subscription";
        } else if (!copyDone) {
            detail = "copying: " + copy[0] + " of " + copy[1] + " tables ready";
        } else {
            detail = "streaming " + copy[1] + " tables; forward lag " + lag[0] + " bytes"
                    + (active[1] ? ", reverse lag " + lag[1] + " bytes" : ", no path back yet");
        }
        if (errors[0] > 0) {
            detail += "; " + errors[0] + " apply errors";
        }
        return new ReplicationState(copyDone, active[0], active[1], lag[0], active[1] ? lag[1] : -1, errors[0], detail);
    }

    @Override
    public void startReverse(DatabaseRef source, DatabaseRef target) {
        requireOriginNone(source, "the source (for the path back)");
        Dsn targetDsn = dsn(target);
        List<List<String>> published =
                withConnection(source, "startReverse", c -> rows(c, PUBLICATION_TABLES, publication(source)));
        if (published.isEmpty()) {
            throw new UpgradeException(
                    source.node() + " publishes no table yet: start forward replication first", false);
        }
        withConnection(target, "startReverse", c -> {
            requireLogicalWal(target, c);
            ensurePublication(c, publication(target), published);
            return null;
        });
        String subscription = reverse(target);
        withConnection(source, "startReverse", c -> {
            if (!exists(c, SUBSCRIPTION_EXISTS, subscription)) {
                withConnection(target, "startReverse", tgt -> single(tgt, DROP_INACTIVE_SLOT, subscription));
                createSubscription(
                        c,
                        subscription,
                        targetDsn,
                        target,
                        publication(target),
                        "copy_data = false, origin = none, streaming = on");
            }
            return null;
        });
    }

    @Override
    public long awaitApplied(DatabaseRef from, DatabaseRef to, Duration timeout) {
        return withConnection(from, "awaitApplied", c -> {
            String slot;
            if (single(c, SLOT_EXISTS, forward(to)) != null) {
                slot = forward(to);
            } else if (single(c, SLOT_EXISTS, reverse(from)) != null) {
                slot = reverse(from);
            } else {
                throw new UpgradeException("no replication from " + from.node() + " to " + to.node(), false);
            }
            String lsn = single(c, CURRENT_LSN);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                String missing;
                try (PreparedStatement ps = c.prepareStatement(SLOT_LAG_TO)) {
                    ps.setQueryTimeout(timeout());
                    ps.setString(1, lsn);
                    ps.setString(2, slot);
                    try (ResultSet rs = ps.executeQuery()) {
                        missing = rs.next() ? rs.getString(1) : null;
                    }
                }
                if (missing == null) {
                    throw new UpgradeException("replication slot " + slot + " vanished on " + from.node(), false);
                }
                long bytes = Math.max(0, Long.parseLong(missing));
                if (bytes == 0 || System.nanoTime() >= deadline) {
                    return bytes;
                }
                try {
                    Thread.sleep(APPLIED_POLL.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UpgradeException("interrupted while waiting for " + to.node(), true, e);
                }
            }
        });
    }

    @Override
    public void syncSequences(DatabaseRef from, DatabaseRef to, UpgradeScope scope) {
        syncSequencesAhead(from, to, scope, 0);
    }

    @Override
    public void syncSequencesAhead(DatabaseRef from, DatabaseRef to, UpgradeScope scope, long headroom) {
        if (headroom < 0) {
            throw new IllegalArgumentException("headroom must not be negative: " + headroom);
        }
        List<String> patternSchemas = new ArrayList<>();
        List<String> patternTables = new ArrayList<>();
        Map<List<String>, Long> values = new LinkedHashMap<>();
        withConnection(from, "syncSequences", c -> {
            // the tables in scope, exactly as the catalog names them, decide which owned sequences go along
            for (ScopeTables.Table t : new ScopeTables(scope).list(c, timeout())) {
                patternSchemas.add(t.schema());
                patternTables.add(t.name());
            }
            try (PreparedStatement ps = c.prepareStatement(SEQUENCES)) {
                ps.setQueryTimeout(timeout());
                ps.setBoolean(1, scope.tables().isEmpty());
                ps.setArray(2, c.createArrayOf("text", patternSchemas.toArray()));
                ps.setArray(3, c.createArrayOf("text", patternTables.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        values.put(List.of(rs.getString(1), rs.getString(2)), rs.getLong(3));
                    }
                }
            }
            return null;
        });
        withConnection(to, "syncSequences", c -> {
            for (Map.Entry<List<String>, Long> e : values.entrySet()) {
                String schema = e.getKey().get(0);
                String name = e.getKey().get(1);
                String current;
                try (PreparedStatement ps = c.prepareStatement(TARGET_SEQUENCE)) {
                    ps.setQueryTimeout(timeout());
                    ps.setString(1, schema);
                    ps.setString(2, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw new UpgradeException(
                                    "sequence " + schema + "." + name + " is missing on " + to.node(), false);
                        }
                        current = rs.getString(1);
                    }
                }
                long wanted = e.getValue() + headroom;
                if (current == null || Long.parseLong(current) < wanted) {
                    try (PreparedStatement ps = c.prepareStatement(SET_SEQUENCE)) {
                        ps.setQueryTimeout(timeout());
                        ps.setString(1, schema);
                        ps.setString(2, name);
                        ps.setLong(3, wanted);
                        ps.executeQuery().close();
                    }
                }
            }
            return null;
        });
    }

    @Override
    public void detach(DatabaseRef source, DatabaseRef target) {
        String fwd = forward(target);
        String rev = reverse(target);
        withConnection(source, "detach", c -> {
            dropSubscription(c, rev);
            return null;
        });
        withConnection(target, "detach", c -> {
            dropSubscription(c, fwd);
            single(c, DROP_INACTIVE_SLOT, rev);
            SchemaCopy.execute(c, SchemaCopy.formatted(c, DROP_PUBLICATION, timeout(), publication(target)), timeout());
            return null;
        });
        withConnection(source, "detach", c -> {
            single(c, DROP_INACTIVE_SLOT, fwd);
            SchemaCopy.execute(c, SchemaCopy.formatted(c, DROP_PUBLICATION, timeout(), publication(source)), timeout());
            return null;
        });
    }

    // ------------------------------------------------------------------ objects

    static String publication(DatabaseRef node) {
        return Identifiers.objectName("pgat_pub", node.node());
    }

    static String forward(DatabaseRef target) {
        return Identifiers.objectName("pgat_fwd", target.node());
    }

    static String reverse(DatabaseRef target) {
        return Identifiers.objectName("pgat_rev", target.node());
    }

    private void ensurePublication(Connection c, String name, List<List<String>> tables) throws SQLException {
        if (!exists(c, PUBLICATION_EXISTS, name)) {
            SchemaCopy.execute(c, SchemaCopy.formatted(c, CREATE_PUBLICATION, timeout(), name), timeout());
        }
        if (tables.isEmpty() || rows(c, PUBLICATION_TABLES, name).equals(sorted(tables))) {
            return;
        }
        String alter;
        try (PreparedStatement ps = c.prepareStatement(SET_PUBLICATION_TABLES)) {
            ps.setQueryTimeout(timeout());
            ps.setString(1, name);
            ps.setArray(
                    2,
                    c.createArrayOf("text", tables.stream().map(t -> t.get(0)).toArray()));
            ps.setArray(
                    3,
                    c.createArrayOf("text", tables.stream().map(t -> t.get(1)).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                alter = rs.getString(1);
            }
        }
        SchemaCopy.execute(c, alter, timeout());
    }

    private void createSubscription(
            Connection c, String name, Dsn publisherDsn, DatabaseRef publisher, String publicationName, String options)
            throws SQLException {
        String conninfo = conninfo(publisherDsn, publisher.database(), name);
        unlogged(
                c,
                () -> SchemaCopy.execute(
                        c,
                        SchemaCopy.formatted(
                                c, CREATE_SUBSCRIPTION, timeout(), name, conninfo, publicationName, options),
                        timeout()));
    }

    @FunctionalInterface
    private interface Step {
        void run() throws SQLException;
    }

    /** Runs statements that carry a secret without the server logging them, even when they fail. */
    private void unlogged(Connection c, Step step) throws SQLException {
        SchemaCopy.execute(c, QUIET_SESSION, timeout());
        try {
            step.run();
        } finally {
            SchemaCopy.execute(c, LOUD_SESSION, timeout());
        }
    }

    private void dropSubscription(Connection c, String name) throws SQLException {
        if (!exists(c, SUBSCRIPTION_EXISTS, name)) {
            return;
        }
        try {
            SchemaCopy.execute(c, SchemaCopy.formatted(c, DROP_SUBSCRIPTION, timeout(), name), timeout());
        } catch (SQLException e) {
            // the publisher is gone or unreachable: keep its slot there and drop the subscription here
            SchemaCopy.execute(c, SchemaCopy.formatted(c, DISABLE_SUBSCRIPTION, timeout(), name), timeout());
            SchemaCopy.execute(c, SchemaCopy.formatted(c, DETACH_SLOT, timeout(), name), timeout());
            SchemaCopy.execute(c, SchemaCopy.formatted(c, DROP_SUBSCRIPTION, timeout(), name), timeout());
        }
    }

    /** libpq keyword form; values quoted and escaped as libpq reads them. */
    private static String conninfo(Dsn dsn, String database, String applicationName) {
        Map<String, String> kv = new LinkedHashMap<>();
        kv.put("host", dsn.host());
        kv.put("port", Integer.toString(dsn.port()));
        kv.put("dbname", database);
        if (dsn.user() != null) {
            kv.put("user", dsn.user());
        }
        if (dsn.password() != null) {
            kv.put("password", dsn.password());
        }
        dsn.option("sslmode").ifPresent(v -> kv.put("sslmode", v));
        dsn.option("sslrootcert").ifPresent(v -> kv.put("sslrootcert", v));
        kv.put("application_name", applicationName);
        return kv.entrySet().stream()
                .map(e -> e.getKey() + "='" + e.getValue().replace("\\", "\\\\").replace("'", "\\'") + "'")
                .collect(Collectors.joining(" "));
    }

    // ------------------------------------------------------------------ checks

    private void requireLogicalWal(DatabaseRef node, Connection c) throws SQLException {
        String level = settingValue(c, "wal_level");
        if (!"logical".equals(level)) {
            throw new UpgradeException(
                    node.node() + " has wal_level " + level + ": configure it and restart the " + "server first",
                    false);
        }
    }

    private static void requireOriginNone(DatabaseRef subscriber, String role) {
        if (subscriber.majorVersion() < MIN_ORIGIN_NONE_MAJOR) {
            throw new UpgradeException(
                    subscriber.node() + " runs PostgreSQL " + subscriber.majorVersion() + ": "
                            + role + " must run PostgreSQL " + MIN_ORIGIN_NONE_MAJOR + " or newer to subscribe without "
                            + "replication loops (origin = none)",
                    false);
        }
    }

    private long applyErrors(Connection c, String subscription) throws SQLException {
        try {
            String v = single(c, APPLY_ERRORS, subscription);
            return v == null ? 0 : Long.parseLong(v);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0; // before PostgreSQL 15 there is no count of apply errors; a stopped worker still shows
            }
            throw e;
        }
    }

    private long slotLag(Connection c, String slot) throws SQLException {
        String v = single(c, SLOT_LAG, slot);
        return v == null ? -1 : Math.max(0, Long.parseLong(v));
    }

    // ------------------------------------------------------------------ JDBC

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T withConnection(DatabaseRef node, String action, Work<T> work) {
        Dsn dsn = dsn(node);
        if (kept != null) {
            Connection c = kept.get(node);
            if (c == null) {
                c = open(node, dsn);
                kept.put(node, c);
            }
            try {
                return work.run(c);
            } catch (SQLException | RuntimeException e) {
                // the connection may be broken or in an aborted transaction: the next call starts a fresh one
                kept.remove(node);
                closeQuietly(c);
                throw e instanceof SQLException sql
                        ? PgAdmin.failure(node.node(), dsn, action, sql)
                        : (RuntimeException) e;
            }
        }
        try (Connection c = open(node, dsn)) {
            return work.run(c);
        } catch (SQLException e) {
            throw PgAdmin.failure(node.node(), dsn, action, e);
        }
    }

    private void closeKept() {
        kept.values().forEach(LogicalReplicationGroup::closeQuietly);
        kept.clear();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // the session ends with the socket either way
        }
    }

    private Connection open(DatabaseRef node, Dsn dsn) {
        Dsn atDatabase = new Dsn(node.host(), node.port(), node.database(), dsn.user(), dsn.password(), dsn.options());
        return PgAdmin.connect(node.node(), atDatabase, node.database(), settings.sqlTimeout());
    }

    private Dsn dsn(DatabaseRef node) {
        return settings.dsns()
                .resolve(node.node())
                .orElseThrow(() -> new UpgradeException("no credentials for " + node.node(), false));
    }

    private int timeout() {
        return (int) Math.max(1, settings.sqlTimeout().toSeconds());
    }

    private String settingValue(Connection c, String name) throws SQLException {
        return single(c, SETTING, name);
    }

    private boolean bool(Connection c, String sql) throws SQLException {
        String v = single(c, sql);
        return "t".equals(v) || "true".equalsIgnoreCase(v);
    }

    private boolean exists(Connection c, String sql, String param) throws SQLException {
        return single(c, sql, param) != null;
    }

    private String single(Connection c, String sql, String... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(timeout());
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private List<List<String>> rows(Connection c, String sql, String param) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(timeout());
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(List.of(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return out;
    }

    private static List<List<String>> sorted(List<List<String>> tables) {
        return tables.stream()
                .sorted((a, b) -> a.get(0).equals(b.get(0))
                        ? a.get(1).compareTo(b.get(1))
                        : a.get(0).compareTo(b.get(0)))
                .toList();
    }

    private static Map<String, String> requiredSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("wal_level", "logical");
        m.put("max_replication_slots", "10");
        m.put("max_wal_senders", "10");
        m.put("max_worker_processes", "10");
        m.put("max_logical_replication_workers", "4");
        return m;
    }
}
