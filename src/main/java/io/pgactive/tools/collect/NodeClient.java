package io.pgactive.tools.collect;

import static io.pgactive.tools.snapshot.HealthPolicy.DEGRADED_AFTER_FAILURES;
import static io.pgactive.tools.snapshot.HealthPolicy.DOWN_AFTER_FAILURES;

import io.pgactive.tools.config.CustomQuery;
import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.config.credentials.NodeCredential;
import io.pgactive.tools.config.credentials.SecretException;
import io.pgactive.tools.pg.LibpqTls;
import io.pgactive.tools.retry.Backoff;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.mutiny.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLException;
import org.jboss.logging.Logger;

/**
 * Everything the collector knows about reaching one node: its small connection pool, its probed capabilities, its
 * failure streak and back-off, and the per-node state of the dialect readers. One scrape at a time (the collector
 * never overlaps cycles), so its fields are confined to that sequence.
 */
final class NodeClient {

    private static final Logger LOG = Logger.getLogger(NodeClient.class);

    private final ToolsConfig.NodeConfig node;
    private final NodeCredential credential;
    private final Vertx vertx;
    private final Duration timeout;
    private final Duration interval;
    private final Backoff backoff;
    private final Duration probeInterval;
    /** How many connections the node's pool opened: a new one has none of the statements prepared on the last. */
    private final AtomicLong connectionsOpened = new AtomicLong();

    private final CustomQueryRunner customQueries;
    private final ConflictWindow conflictWindow = new ConflictWindow();
    private final PgactiveReader pgactive = new PgactiveReader(conflictWindow);
    private final LogicalReader logical = new LogicalReader(conflictWindow);

    /**
     * The event-loop context every scrape of this node runs on: its queries, its deadline timer, its state. Which
     * loop it is on is {@link ScrapeLoops}'s choice.
     */
    private final Context context;

    /** What the pool connects through: the same Vert.x, without per-statement metrics and tracing. */
    private final UninstrumentedVertx poolVertx;

    private long lastLateLog;
    private Pool pool;
    /** Whether the pool is opening a connection (logging in) that no attempt has received yet. */
    private boolean connecting;
    /**
     * Since when ({@link System#nanoTime()}) the pool has been asked for a connection without handing one over; 0
     * once it did. Kept across requests that the pool itself timed out, so a login that never ends is noticed.
     */
    private long waitingSince;
    /** The attempt that runs on the connection being opened, once the pool hands it over. */
    private Attempt claimant;
    /** The password {@link #pool} connects with; a new one (rotated, a renewed IAM token) means a new pool. */
    private String poolPassword;

    private Capabilities caps;
    private Instant probedAt;
    private int failures;
    private Instant retryAt;
    private String lastError;
    private String lastErrorClass;

    NodeClient(
            ToolsConfig.NodeConfig node,
            NodeCredential credential,
            ToolsConfig.Collector config,
            List<CustomQuery> customQueries,
            Vertx vertx,
            Context context) {
        this.node = node;
        this.credential = credential;
        this.vertx = vertx;
        this.timeout = config.timeout();
        this.interval = config.interval();
        this.backoff = new Backoff(config.interval(), config.backoffMax());
        this.probeInterval = config.probeInterval();
        this.customQueries = new CustomQueryRunner(node.name(), customQueries, connectionsOpened::get);
        this.context = context;
        this.poolVertx = new UninstrumentedVertx((VertxInternal) vertx.getDelegate());
    }

    String name() {
        return node.name();
    }

    /** Where this node's conflict ledger resumes: the newest conflict id already stored for it. */
    void ledgerStart(LongSupplier start) {
        pgactive.ledgerStart(start);
    }

    ToolsConfig.NodeConfig config() {
        return node;
    }

    /**
     * Outcome of one scrape attempt: a complete reading or a classified, redacted failure.
     *
     * @param lateNanos how late the service itself was in running this attempt (its first query waited for the
     *                  event loop, or its deadline timer fired late): time that is not the node's
     */
    record Outcome(Scrape scrape, String errorClass, String error, boolean attempted, long nanos, long lateNanos) {
        Outcome(Scrape scrape, String errorClass, String error) {
            this(scrape, errorClass, error, true, 0, 0);
        }

        boolean success() {
            return scrape != null;
        }

        Outcome withNanos(long took) {
            return new Outcome(scrape, errorClass, error, attempted, took, lateNanos);
        }

        Outcome withLateNanos(long late) {
            return new Outcome(scrape, errorClass, error, attempted, nanos, late);
        }
    }

    /** How long a login may carry over from one attempt to the next: PostgreSQL's default authentication_timeout. */
    static final Duration LOGIN_PATIENCE = Duration.ofSeconds(60);

    /** How often a scrape in flight checks that its event loop still runs. */
    static final long HEARTBEAT_MILLIS = 25;

    /** How often a node's pool looks for a connection idle past its idle timeout (5 minutes). */
    static final int POOL_CLEANER_PERIOD_MILLIS = 60_000;

    /** How late the service may run a step before it counts as its own stall rather than noise. */
    static Duration lateTolerance(Duration timeout) {
        return Duration.ofMillis(Math.max(100, timeout.toMillis() / 10));
    }

    /**
     * Scrapes the node once within the per-node deadline. Never fails: failures come back as an {@link Outcome}, and
     * a node in back-off is not contacted at all.
     */
    Uni<Outcome> scrape(Instant now, Map<String, String> addresses) {
        if (retryAt != null && now.isBefore(retryAt)) {
            long wait = Math.max(1, Duration.between(now, retryAt).toSeconds());
            // not contacted: report the last real error, so error classes in alerts stay meaningful
            return Uni.createFrom()
                    .item(new Outcome(
                            null,
                            lastErrorClass,
                            lastError + " (back-off: next attempt in " + wait + "s)",
                            false,
                            0,
                            0));
        }
        Attempt attempt = new Attempt();
        return credential
                .password()
                .ifNoItem()
                .after(timeout)
                .failWith(() -> new SecretException(
                        credential.source(), "not read within " + timeout.toMillis() + "ms (still being read)"))
                .chain(password -> Uni.createFrom().<Scrape>emitter(em -> {
                    attempt.requested = System.nanoTime();
                    context.runOnContext(v -> {
                        usePassword(password);
                        attempt.run(addresses, em);
                    });
                }))
                .map(s -> {
                    failures = 0;
                    retryAt = null;
                    return new Outcome(s, null, null);
                })
                .onFailure()
                .recoverWithItem(e -> failed(e, now))
                .map(o -> o.withLateNanos(attempt.lateNanos));
    }

    /**
     * One scrape under the node's deadline, run on the node's event-loop context. The deadline is a timer on that
     * same event loop and starts when the first query can really be sent, so a blocked event loop (a cold JVM, a
     * long GC pause) delays the deadline as much as the answer. A heartbeat on that loop tells whether it ran
     * freely while the answer was awaited: a deadline timer that fires late, or a loop that stalled, means the
     * service was late, not the node. The node then gets another deadline (while the cycle still ends before the
     * next is due), and the lateness is reported as the service's own. A deadline reached after the replication state was read completes the scrape with the custom
     * queries that did not finish marked as failed, instead of failing the node.
     */
    private final class Attempt {

        /** When the attempt asked for the event loop (after its password was at hand). */
        long requested;

        private final Scrape out = new Scrape(node.name());
        private long started;
        private long timerId = -1;
        private long heartbeatId = -1;
        private long lastBeat;
        /** The longest the event loop went without running this scrape's heartbeat since the deadline was armed. */
        private long worstStall;

        private boolean done;
        /** Whether the pool handed this attempt its connection (so the login, if one was needed, is over). */
        private boolean connected;

        private Map<String, String> addresses;
        private UniEmitter<? super Scrape> emitter;
        /** Written on the event loop, read after the emitter completed (which orders it before the read). */
        volatile long lateNanos;

        void run(Map<String, String> addresses, UniEmitter<? super Scrape> em) {
            emitter = em;
            started = System.nanoTime();
            late("its first query waited for the event loop", started - requested);
            out.deadlineNanos = started + timeout.toNanos();
            lastBeat = started;
            heartbeatId = vertx.getDelegate().setPeriodic(HEARTBEAT_MILLIS, id -> beat());
            arm(timeout.toNanos());
            this.addresses = addresses;
            claimant = this;
            if (!connecting) {
                connect();
            }
        }

        /** Runs this attempt on the connection the pool handed over; the one place a scrape's queries start. */
        private Future<Scrape> scrapeOn(SqlConnection conn) {
            connected = true;
            return probeIfDue(conn).compose(c -> read(conn, c, addresses, out));
        }

        private void beat() {
            long now = System.nanoTime();
            worstStall = Math.max(worstStall, now - lastBeat - TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MILLIS));
            lastBeat = now;
        }

        private void arm(long nanos) {
            long armedAt = System.nanoTime();
            worstStall = 0;
            timerId = vertx.getDelegate()
                    .setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)), id -> deadline(armedAt, nanos));
        }

        private void deadline(long armedAt, long nanos) {
            if (done) {
                return;
            }
            long now = System.nanoTime();
            beat();
            long stall = Math.max(now - armedAt - nanos, worstStall);
            // the event loop that carries this scrape stopped (blocked, or busy with the service's own work such as
            // a cold JVM loading classes): that time was not the node's, so it gets another deadline, as long as
            // the cycle still ends well before the next one is due
            boolean roomLeft = now - started + timeout.toNanos() <= Math.max(interval.toNanos(), 2 * timeout.toNanos());
            if (stall > lateTolerance(timeout).toNanos() && roomLeft) {
                late("the event loop stalled while the node's answer was awaited", stall);
                out.deadlineNanos = now + timeout.toNanos();
                arm(timeout.toNanos());
                return;
            }
            if (out.coreDone) {
                out.sealCustom("no answer within the node deadline of " + timeout.toMillis() + "ms");
                complete(out);
                return;
            }
            done = true;
            stopTimers();
            emitter.fail(connected ? new TimeoutException() : new LoginOutlivedDeadline(timeout));
        }

        private void stopTimers() {
            vertx.getDelegate().cancelTimer(timerId);
            vertx.getDelegate().cancelTimer(heartbeatId);
        }

        private void late(String why, long nanos) {
            if (nanos <= lateTolerance(timeout).toNanos()) {
                return;
            }
            lateNanos += nanos;
            long now = System.nanoTime();
            if (lastLateLog == 0 || now - lastLateLog > TimeUnit.MINUTES.toNanos(1)) {
                lastLateLog = now;
                LOG.warnf(
                        "node %s: the service itself was %dms late (%s: event loop blocked or overloaded);"
                                + " not counted against the node",
                        node.name(), TimeUnit.NANOSECONDS.toMillis(nanos), why);
            }
        }

        private void complete(Scrape s) {
            if (done) {
                return;
            }
            done = true;
            stopTimers();
            emitter.complete(s);
        }

        private void fail(Throwable e) {
            if (done) {
                return;
            }
            done = true;
            stopTimers();
            emitter.fail(e);
        }
    }

    /**
     * Asks the pool for a connection; when it is handed over, the attempt that waits for it then ({@link #claimant})
     * runs on it. A login slower than the node deadline thus carries over into the next attempt instead of being
     * started again by each one, and only one request ever waits in the pool.
     */
    private void connect() {
        Pool requested = pool();
        connecting = true;
        if (waitingSince == 0) {
            waitingSince = System.nanoTime();
        }
        Attempt[] taker = new Attempt[1];
        requested
                .withConnection(conn -> {
                    connecting = false;
                    waitingSince = 0;
                    taker[0] = claimant;
                    claimant = null;
                    if (taker[0] == null || taker[0].done) {
                        // nobody waits any more: the connection goes back to the pool, ready for the next attempt
                        return Future.<Scrape>failedFuture(new LoginOutlivedDeadline(timeout));
                    }
                    return taker[0].scrapeOn(conn);
                })
                .onSuccess(scrape -> taker[0].complete(scrape))
                .onFailure(e -> {
                    if (taker[0] != null) {
                        taker[0].fail(e);
                    } else if (requested == pool) {
                        // the connection could not be opened: whoever waits for it learns why
                        connecting = false;
                        Attempt waiting = claimant;
                        claimant = null;
                        if (waiting != null) {
                            waiting.fail(e);
                        }
                    }
                });
    }

    private Future<Capabilities> probeIfDue(SqlConnection conn) {
        if (caps != null
                && probedAt != null
                && Duration.between(probedAt, Instant.now()).compareTo(probeInterval) < 0) {
            return Future.succeededFuture(caps);
        }
        return conn.query(Sql.PROBE)
                .execute()
                .map(rows -> {
                    Row r = rows.iterator().next();
                    return new Capabilities(
                            r.getInteger("server_version_num"),
                            r.getString("server_version"),
                            r.getBoolean("in_recovery"),
                            r.getBoolean("has_pgactive"),
                            r.getBoolean("has_lag_info"),
                            r.getBoolean("has_node_slots"),
                            r.getBoolean("has_last_applied"),
                            r.getBoolean("has_stats"),
                            r.getBoolean("has_conflict_history"),
                            r.getInteger("subscriptions"),
                            null,
                            null,
                            null);
                })
                .compose(c -> !c.pgactiveActive()
                        ? Future.succeededFuture(c)
                        : conn.query(Sql.PGACTIVE_IDENTITY)
                                .execute()
                                .map(rows -> {
                                    if (!rows.iterator().hasNext()) {
                                        return c; // not (yet) a member: no local node id
                                    }
                                    Row r = rows.iterator().next();
                                    return c.withPgactiveIdentity(
                                            r.getString("version"), r.getString("node_name"), r.getString("sysid"));
                                })
                                // a member without privileges on the identity functions still reports its links
                                .otherwise(c))
                .map(c -> {
                    if (caps == null || caps.inRecovery() != c.inRecovery() || caps.pgactive() != c.pgactive()) {
                        LOG.infof(
                                "node %s: PostgreSQL %s, %s%s",
                                node.name(),
                                c.serverVersion(),
                                c.inRecovery() ? "in recovery" : "not in recovery",
                                c.pgactiveActive() ? ", pgactive " + c.pgactiveVersion() : "");
                    }
                    caps = c;
                    // without its identity the node cannot tell its own pgactive rows from its peers': ask again
                    // next cycle instead of keeping that answer for a whole probe interval
                    probedAt = c.pgactiveActive() && !c.pgactiveIdentityKnown() ? null : Instant.now();
                    return c;
                });
    }

    /**
     * Reads the node on plain Vert.x futures: Mutiny would capture and restore the caller's context (OpenTelemetry,
     * context propagation) around every step of every statement, which the scrape, on its own event-loop context,
     * does not need.
     *
     * <p>The node's own statement, every dialect's statements and the custom queries are sent together, pipelined on
     * the connection: one round trip. PostgreSQL answers them in the order they were sent and each answer is handled as
     * it arrives, so the node's position, recovery state and read time are known before any dialect's answer is
     * handled, and the replication state is complete before the first custom query's answer: a slow custom query can
     * never hold it back. Only while a dialect still sends statements from its answers (the pgactive conflict history's
     * first reads) do the custom queries wait for the replication state instead, so as not to queue ahead of those.
     */
    private Future<Scrape> read(SqlConnection conn, Capabilities c, Map<String, String> addresses, Scrape out) {
        out.caps = c;
        boolean customFollow = !customQueries.isEmpty() && c.pgactiveActive() && pgactive.followsUp(c);
        long sent = System.nanoTime();
        out.nodeRead = conn.preparedQuery(Sql.NODE)
                .execute(Tuple.of(out.id, CustomQueryRunner.budgetMillis(out, sent)))
                .map(rows -> {
                    Row r = rows.iterator().next();
                    out.readAt = r.getOffsetDateTime("read_at").toInstant();
                    out.inRecovery = r.getBoolean("in_recovery");
                    out.walLsn = r.getString("wal_lsn");
                    out.roles.addAll(c.baseRoles());
                    if (out.inRecovery != c.inRecovery()) {
                        probedAt = null; // promoted or demoted since the last probe: re-probe next cycle
                    }
                    return null;
                });
        Future<Void> streaming = StreamingReader.read(conn, c, out, addresses);
        Future<Void> logicalRead = logical.read(conn, c, out, addresses);
        Future<Void> pgactiveRead = c.pgactiveActive() ? pgactive.read(conn, c, out) : Future.succeededFuture();
        Future<Void> custom = customQueries.isEmpty() || customFollow
                ? Future.succeededFuture()
                : customQueries.run(conn, c, out, credential.lastValue());
        return Future.all(out.nodeRead, streaming, logicalRead, pgactiveRead)
                .compose(all -> {
                    out.conflictsLastMinute = conflictWindow.lastMinute(out.readAt);
                    out.coreDone = true; // from here on, the node's replication state is complete
                    return customFollow ? customQueries.run(conn, c, out, credential.lastValue()) : custom;
                })
                .map(v -> out);
    }

    /**
     * The deadline passed while the connection was still being opened (TCP, TLS, authentication). The login goes on in
     * the pool and the next attempt uses it: starting it again at every deadline would never read a node whose login
     * is slower than the deadline (a distant server, or hundreds of monitor logins at once when the service starts).
     */
    static final class LoginOutlivedDeadline extends TimeoutException {
        private final String message;

        LoginOutlivedDeadline(Duration timeout) {
            this.message = "no answer within " + timeout.toMillis() + "ms (still logging in)";
        }

        @Override
        public String getMessage() {
            return message;
        }
    }

    private Outcome failed(Throwable e, Instant now) {
        failures++;
        String errorClass = classify(e);
        String message = describe(e, errorClass);
        lastError = message;
        lastErrorClass = errorClass;
        if ("auth".equals(errorClass)) {
            // rotated, or an IAM token refused: the next attempt reads the password again from its source
            credential.refused();
        }
        // a login under way is kept for the next attempt, for as long as PostgreSQL itself would wait for one
        // (authentication_timeout): past that no server is still answering it (a network partition, say), and only a
        // fresh pool gets past it
        boolean loginGoesOn = e instanceof LoginOutlivedDeadline
                && (waitingSince == 0 || System.nanoTime() - waitingSince < LOGIN_PATIENCE.toNanos());
        if (!loginGoesOn && (!"query".equals(errorClass) || failures >= DEGRADED_AFTER_FAILURES)) {
            // the connection may be wedged (a frozen server keeps the socket open), or a statement prepared on it
            // may no longer fit the catalog (an extension upgrade): start from a fresh pool
            resetPool();
        }
        if (failures >= DEGRADED_AFTER_FAILURES) {
            retryAt = now.plus(backoff.jittered(failures - DEGRADED_AFTER_FAILURES));
        }
        if (failures == 1 || failures == DEGRADED_AFTER_FAILURES || failures == DOWN_AFTER_FAILURES) {
            LOG.warnf("node %s: scrape failed (%d in a row, %s): %s", node.name(), failures, errorClass, message);
        }
        return new Outcome(null, errorClass, message);
    }

    static String classify(Throwable e) {
        if (e instanceof SecretException || e.getCause() instanceof SecretException) {
            return "secret";
        }
        if (e instanceof TimeoutException || e instanceof java.util.concurrent.TimeoutException) {
            return "timeout";
        }
        if (e instanceof PgException pg) {
            String state = pg.getSqlState();
            if (state != null && state.startsWith("28")) {
                return "auth";
            }
            if (state != null
                    && (state.startsWith("08")
                            || state.equals("57P03")
                            || state.equals("57P01")
                            || state.equals("3D000"))) {
                return "connect";
            }
            return "query";
        }
        if (e instanceof ConnectException
                || e instanceof UnknownHostException
                || e instanceof ClosedChannelException
                || e.getClass().getName().contains("Connect")) {
            return "connect";
        }
        String msg = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (msg.contains("closed")
                || msg.contains("connect")
                || msg.contains("reset")
                || msg.contains("ssl handshake")) {
            return "connect";
        }
        // TLS settings that cannot be used (a missing or unreadable root certificate, a refused handshake) fail before
        // any query was sent: the connection is what must be fixed
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SSLException
                    || c instanceof GeneralSecurityException
                    || c instanceof FileSystemException
                    || c instanceof NoSuchFileException
                    || c instanceof AccessDeniedException) {
                return "connect";
            }
        }
        return "query";
    }

    private String describe(Throwable e, String errorClass) {
        String text = switch (errorClass) {
            case "timeout" ->
                e instanceof LoginOutlivedDeadline ? e.getMessage() : "no answer within " + timeout.toMillis() + "ms";
            case "secret" ->
                e instanceof SecretException ? e.getMessage() : e.getCause().getMessage();
            case "connect" -> withCause(e) + tlsHint(e);
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
        return Dsn.redact(text, credential.lastValue());
    }

    /** The message and, when it says more, the innermost cause's (a TLS failure's reason sits there). */
    private static String withCause(Throwable e) {
        String top = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e || root.getMessage() == null || top.contains(root.getMessage())
                ? top
                : top + ": " + root.getMessage();
    }

    /** What an operator checks when the server's certificate was not accepted. */
    private String tlsHint(Throwable e) {
        String mode = node.dsn().option("sslmode").orElse(LibpqTls.DEFAULT_MODE);
        if (!withCause(e).toLowerCase(Locale.ROOT).contains("ssl") || !mode.startsWith("verify")) {
            return "";
        }
        return " (sslmode " + mode + ": the server's certificate must be signed by a CA in "
                + node.dsn().option("sslrootcert").orElse("the JVM's trust store")
                + (mode.equals("verify-full")
                        ? " and name the host " + node.dsn().host()
                        : "") + ")";
    }

    /** Forget everything learnt from the connection: after a reconnect the node may be another server. */
    private void resetPool() {
        Pool old = pool;
        pool = null;
        connecting = false;
        waitingSince = 0;
        claimant = null;
        poolPassword = null;
        caps = null;
        probedAt = null;
        pgactive.reset();
        if (old != null) {
            old.close().onFailure(err -> LOG.debugf("node %s: closing pool: %s", node.name(), err));
        }
    }

    void close() {
        resetPool();
    }

    /** Runs on the node's context, before the attempt: a password that changed replaces the pool. */
    private void usePassword(String password) {
        if (pool != null && !Objects.equals(password, poolPassword)) {
            resetPool();
        }
        poolPassword = password;
    }

    private Pool pool() {
        if (pool == null) {
            pool = PgBuilder.pool()
                    .with(new PoolOptions()
                            .setMaxSize(1)
                            .setMaxWaitQueueSize(2)
                            .setName("pgactive-tools-" + node.name())
                            .setIdleTimeout(5)
                            .setIdleTimeoutUnit(TimeUnit.MINUTES)
                            // the pool looks for idle connections on a timer of its own, by default every second:
                            // one wake-up of the event loop per node per second, for a connection that a scrape
                            // uses every interval
                            .setPoolCleanerPeriod(POOL_CLEANER_PERIOD_MILLIS))
                    .connectingTo(connectOptions(node.dsn(), poolPassword, timeout))
                    .withConnectHandler(conn -> {
                        connectionsOpened.incrementAndGet();
                        CoalescedWrites.install(conn);
                    })
                    .using(poolVertx)
                    .build();
        }
        return pool;
    }

    static PgConnectOptions connectOptions(Dsn dsn, Duration timeout) {
        return connectOptions(dsn, dsn.password(), timeout);
    }

    /** @param password the password to present, wherever it came from (the DSN's own, a secret, an IAM token) */
    static PgConnectOptions connectOptions(Dsn dsn, String password, Duration timeout) {
        PgConnectOptions o = new PgConnectOptions()
                .setHost(dsn.host())
                .setPort(dsn.port())
                .setDatabase(dsn.database())
                .setUser(dsn.user() == null ? "postgres" : dsn.user())
                .setConnectTimeout((int) Math.max(100, timeout.toMillis()))
                .setReconnectAttempts(0)
                .setCachePreparedStatements(true)
                // the collector's own span per node says what a trace needs; one span per statement would not
                .setTracingPolicy(TracingPolicy.IGNORE)
                .setProperties(Map.of(
                        "application_name", dsn.option("application_name").orElse("pgactive-tools"),
                        // the monitor only reads; a server-side limit frees the backend even if we gave up waiting
                        "statement_timeout", Long.toString(Math.max(100, timeout.toMillis())),
                        "default_transaction_read_only", "on"));
        if (password != null) {
            o.setPassword(password);
        }
        LibpqTls.apply(dsn, o);
        return o;
    }
}
