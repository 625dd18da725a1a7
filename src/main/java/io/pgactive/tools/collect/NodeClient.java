package io.pgactive.tools.collect;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.config.ToolsConfig;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.PoolOptions;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * Everything the collector knows about reaching one node: its small connection pool, its probed capabilities, its
 * failure streak and back-off, and the per-node state of the dialect readers. One scrape at a time (the collector
 * never overlaps cycles), so its fields are confined to that sequence.
 */
final class NodeClient {

    private static final Logger LOG = Logger.getLogger(NodeClient.class);

    private final ToolsConfig.NodeConfig node;
    private final Vertx vertx;
    private final Duration timeout;
    private final Duration interval;
    private final Duration backoffMax;
    private final Duration probeInterval;
    private final List<CustomQuery> customQueries;
    private final ConflictWindow conflictWindow = new ConflictWindow();
    private final PgactiveReader pgactive = new PgactiveReader(conflictWindow);
    private final LogicalReader logical = new LogicalReader(conflictWindow);

    private Pool pool;
    private Capabilities caps;
    private Instant probedAt;
    private int failures;
    private Instant retryAt;
    private String lastError;
    private String lastErrorClass;

    NodeClient(ToolsConfig.NodeConfig node, ToolsConfig.Collector config, List<CustomQuery> customQueries, Vertx vertx) {
        this.node = node;
        this.vertx = vertx;
        this.timeout = config.timeout();
        this.interval = config.interval();
        this.backoffMax = config.backoffMax();
        this.probeInterval = config.probeInterval();
        this.customQueries = customQueries;
    }

    String name() {
        return node.name();
    }

    /** Where this node's conflict ledger resumes: the newest conflict id already stored for it. */
    void ledgerStart(java.util.function.LongSupplier start) {
        pgactive.ledgerStart(start);
    }

    ToolsConfig.NodeConfig config() {
        return node;
    }

    /** Outcome of one scrape attempt: a complete reading or a classified, redacted failure. */
    record Outcome(Scrape scrape, String errorClass, String error, boolean attempted, long nanos) {
        Outcome(Scrape scrape, String errorClass, String error) {
            this(scrape, errorClass, error, true, 0);
        }

        boolean success() {
            return scrape != null;
        }

        Outcome withNanos(long took) {
            return new Outcome(scrape, errorClass, error, attempted, took);
        }
    }

    /**
     * Scrapes the node once within the per-node deadline. Never fails: failures come back as an {@link Outcome}, and
     * a node in back-off is not contacted at all.
     */
    Uni<Outcome> scrape(Instant now, Map<String, String> addresses) {
        if (retryAt != null && now.isBefore(retryAt)) {
            long wait = Math.max(1, Duration.between(now, retryAt).toSeconds());
            // not contacted: report the last real error, so error classes in alerts stay meaningful
            return Uni.createFrom().item(new Outcome(null, lastErrorClass,
                    lastError + " (back-off: next attempt in " + wait + "s)", false, 0));
        }
        return Uni.createFrom().deferred(() -> attempt(addresses))
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException())
                .map(s -> {
                    failures = 0;
                    retryAt = null;
                    return new Outcome(s, null, null);
                })
                .onFailure().recoverWithItem(e -> failed(e, now));
    }

    private Uni<Scrape> attempt(Map<String, String> addresses) {
        Pool p = pool();
        return p.withConnection(conn -> probeIfDue(conn).chain(c -> read(conn, c, addresses)));
    }

    private Uni<Capabilities> probeIfDue(SqlConnection conn) {
        if (caps != null && probedAt != null && Duration.between(probedAt, Instant.now()).compareTo(probeInterval) < 0) {
            return Uni.createFrom().item(caps);
        }
        return conn.query(Sql.PROBE).execute().map(rows -> {
            Row r = rows.iterator().next();
            return new Capabilities(r.getInteger("server_version_num"), r.getString("server_version"),
                    r.getBoolean("in_recovery"), r.getBoolean("has_pgactive"), r.getBoolean("has_lag_info"),
                    r.getBoolean("has_node_slots"), r.getBoolean("has_last_applied"), r.getBoolean("has_stats"),
                    r.getBoolean("has_conflict_history"), r.getInteger("subscriptions"), null, null, null);
        }).chain(c -> !c.pgactiveActive() ? Uni.createFrom().item(c)
                : conn.query(Sql.PGACTIVE_IDENTITY).execute()
                        .map(rows -> {
                            if (!rows.iterator().hasNext()) {
                                return c; // not (yet) a member: no local node id
                            }
                            Row r = rows.iterator().next();
                            return c.withPgactiveIdentity(r.getString("version"), r.getString("node_name"),
                                    r.getString("sysid"));
                        })
                        // a member without privileges on the identity functions still reports its links
                        .onFailure().recoverWithItem(c))
                .invoke(c -> {
                    if (caps == null || caps.inRecovery() != c.inRecovery() || caps.pgactive() != c.pgactive()) {
                        LOG.infof("node %s: PostgreSQL %s, %s%s", node.name(), c.serverVersion(),
                                c.inRecovery() ? "in recovery" : "not in recovery",
                                c.pgactiveActive() ? ", pgactive " + c.pgactiveVersion() : "");
                    }
                    caps = c;
                    // without its identity the node cannot tell its own pgactive rows from its peers': ask again
                    // next cycle instead of keeping that answer for a whole probe interval
                    probedAt = c.pgactiveActive() && !c.pgactiveIdentityKnown() ? null : Instant.now();
                });
    }

    private Uni<Scrape> read(SqlConnection conn, Capabilities c, Map<String, String> addresses) {
        Scrape out = new Scrape(node.name());
        out.caps = c;
        return conn.preparedQuery(Sql.NODE).execute().invoke(rows -> {
            Row r = rows.iterator().next();
            out.readAt = r.getOffsetDateTime("read_at").toInstant();
            out.inRecovery = r.getBoolean("in_recovery");
            out.walLsn = r.getString("wal_lsn");
            out.roles.addAll(c.baseRoles());
        }).chain(() -> {
            if (out.inRecovery != c.inRecovery()) {
                probedAt = null; // promoted or demoted since the last probe: re-probe next cycle
            }
            Uni<Void> streaming = StreamingReader.read(conn, c, out, addresses);
            Uni<Void> logicalRead = logical.read(conn, c, out, addresses);
            Uni<Void> pgactiveRead = c.pgactiveActive() ? pgactive.read(conn, c, out) : Uni.createFrom().voidItem();
            return Uni.combine().all().unis(streaming, logicalRead, pgactiveRead).discardItems();
        }).chain(() -> customQueries.isEmpty() ? Uni.createFrom().voidItem()
                : CustomQueryRunner.run(conn, customQueries, c, out, node.dsn().password()))
                .map(v -> {
                    out.conflictsLastMinute = conflictWindow.lastMinute(out.readAt);
                    return out;
                });
    }

    private Outcome failed(Throwable e, Instant now) {
        failures++;
        String errorClass = classify(e);
        String message = describe(e, errorClass);
        lastError = message;
        lastErrorClass = errorClass;
        if (!"query".equals(errorClass) || failures >= 3) {
            // the connection may be wedged (a frozen server keeps the socket open), or a statement prepared on it
            // may no longer fit the catalog (an extension upgrade): start from a fresh pool
            resetPool();
        }
        if (failures >= 3) {
            long base = Math.min(backoffMax.toMillis(), interval.toMillis() * (1L << Math.min(20, failures - 3)));
            long jittered = (long) (base * (0.5 + ThreadLocalRandom.current().nextDouble() * 0.5));
            retryAt = now.plusMillis(jittered);
        }
        if (failures == 1 || failures == 3 || failures == 10) {
            LOG.warnf("node %s: scrape failed (%d in a row, %s): %s", node.name(), failures, errorClass, message);
        }
        return new Outcome(null, errorClass, message);
    }

    static String classify(Throwable e) {
        if (e instanceof TimeoutException || e instanceof java.util.concurrent.TimeoutException) {
            return "timeout";
        }
        if (e instanceof PgException pg) {
            String state = pg.getSqlState();
            if (state != null && state.startsWith("28")) {
                return "auth";
            }
            if (state != null && (state.startsWith("08") || state.equals("57P03") || state.equals("57P01") || state.equals("3D000"))) {
                return "connect";
            }
            return "query";
        }
        if (e instanceof ConnectException || e instanceof java.net.UnknownHostException
                || e instanceof java.nio.channels.ClosedChannelException || e.getClass().getName().contains("Connect")) {
            return "connect";
        }
        String msg = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (msg.contains("closed") || msg.contains("connect") || msg.contains("reset")) {
            return "connect";
        }
        return "query";
    }

    private String describe(Throwable e, String errorClass) {
        String text = switch (errorClass) {
            case "timeout" -> "no answer within " + timeout.toMillis() + "ms";
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
        return Dsn.redact(text, node.dsn().password());
    }

    /** Forget everything learnt from the connection: after a reconnect the node may be another server. */
    private void resetPool() {
        Pool old = pool;
        pool = null;
        caps = null;
        probedAt = null;
        pgactive.reset();
        if (old != null) {
            old.close().subscribe().with(v -> { }, err -> LOG.debugf("node %s: closing pool: %s", node.name(), err));
        }
    }

    void close() {
        resetPool();
    }

    private Pool pool() {
        if (pool == null) {
            pool = PgBuilder.pool()
                    .with(new PoolOptions().setMaxSize(1).setMaxWaitQueueSize(2).setName("pgactive-tools-" + node.name())
                            .setIdleTimeout(5).setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MINUTES))
                    .connectingTo(connectOptions(node.dsn(), timeout))
                    .using(vertx)
                    .build();
        }
        return pool;
    }

    static PgConnectOptions connectOptions(Dsn dsn, Duration timeout) {
        PgConnectOptions o = new PgConnectOptions()
                .setHost(dsn.host())
                .setPort(dsn.port())
                .setDatabase(dsn.database())
                .setUser(dsn.user() == null ? "postgres" : dsn.user())
                .setConnectTimeout((int) Math.max(100, timeout.toMillis()))
                .setReconnectAttempts(0)
                .setCachePreparedStatements(true)
                .setProperties(Map.of(
                        "application_name", dsn.option("application_name").orElse("pgactive-tools"),
                        // the monitor only reads; a server-side limit frees the backend even if we gave up waiting
                        "statement_timeout", Long.toString(Math.max(100, timeout.toMillis())),
                        "default_transaction_read_only", "on"));
        if (dsn.password() != null) {
            o.setPassword(dsn.password());
        }
        String sslmode = dsn.option("sslmode").orElse("prefer"); // libpq's default
        o.setSslMode(SslMode.of(sslmode));
        dsn.option("sslrootcert").ifPresent(path -> o.setPemTrustOptions(new PemTrustOptions().addCertPath(path)));
        if (sslmode.equals("verify-full")) {
            o.setHostnameVerificationAlgorithm("HTTPS");
        } else if (sslmode.equals("require") || sslmode.equals("prefer") || sslmode.equals("allow")) {
            // libpq semantics: encrypted but the server certificate is not checked in these modes
            o.setTrustAll(dsn.option("sslrootcert").isEmpty());
        }
        return o;
    }
}
