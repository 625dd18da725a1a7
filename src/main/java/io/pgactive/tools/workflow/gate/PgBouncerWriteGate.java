package io.pgactive.tools.workflow.gate;

import io.pgactive.tools.config.DatabaseName;
import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.pg.LibpqTls;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * A {@link WriteGate} on one database of a PgBouncer, switched with the admin console's {@code PAUSE db} and
 * {@code RESUME db}.
 *
 * <p>The state is read back with {@code SHOW DATABASES} and {@code SHOW POOLS}: PgBouncer flags the database as
 * paused as soon as {@code PAUSE} is received, but the command only answers once every server connection of the
 * database has been released, which in transaction pooling mode means once the transactions already running have
 * ended. A paused database that still has server connections is therefore reported as {@link GateState#PAUSING}, one
 * without any as {@link GateState#PAUSED}.
 *
 * <p>{@link #pause()} waits for that answer at most {@code timeout}. When the time is up it drops its admin
 * connection, which leaves the pause in force (PgBouncer keeps holding new transactions and finishes the pause by
 * itself once the running ones end), and returns the state read back, normally {@code PAUSING}. Calling it again
 * waits again; {@link #state()} shows when the pause is complete. A second {@code PAUSE} of a paused database
 * succeeds on PgBouncer itself, and the "database ... is not paused" answer to a repeated {@code RESUME} is taken as
 * success, so both operations are idempotent.
 *
 * <p>A pause of the whole pooler ({@code PAUSE} or {@code SUSPEND} without a database, issued by someone else) is
 * reported as an error by {@link #pause()}: PgBouncer then refuses to flag the database, so a later pooler-wide
 * {@code RESUME} would release the writes this gate is supposed to hold.
 *
 * <p>Every call opens its own short admin connection (these calls are rare, and a fresh connection cannot be stuck
 * behind an earlier {@code PAUSE} that is still waiting); {@link #open()} keeps one for a burst of calls. The admin console only speaks the simple query protocol,
 * which is what the client's {@code query(...)} uses. All methods block, for at most a few times {@code timeout}, and
 * refuse to run on an event loop thread.
 */
public final class PgBouncerWriteGate implements WriteGate {

    /** The virtual database of PgBouncer's admin console. */
    public static final String ADMIN_DATABASE = "pgbouncer";

    private static final Logger LOG = Logger.getLogger(PgBouncerWriteGate.class);

    /** SHOW POOLS counters of server connections in any state; a paused database is drained when all are zero. */
    private static final List<String> SERVER_COLUMNS = List.of(
            "sv_active", "sv_active_cancel", "sv_being_canceled", "sv_idle", "sv_used", "sv_tested", "sv_login");

    /** How often {@link #awaitNoLoginInProgress} looks again: a login on a healthy server takes a few milliseconds. */
    private static final Duration LOGIN_POLL = Duration.ofMillis(5);

    /** The longest {@link #awaitNoLoginInProgress} waits before it sends its command anyway. */
    private static final Duration LOGIN_WAIT = Duration.ofSeconds(1);

    private final String name;
    private final Dsn admin;
    private final String database;
    private final Vertx vertx;
    private final Duration timeout;

    /** A gate named {@code database@host:port}. */
    public PgBouncerWriteGate(Dsn admin, String database, Vertx vertx, Duration timeout) {
        this(database + "@" + Objects.requireNonNull(admin, "admin DSN").address(), admin, database, vertx, timeout);
    }

    /**
     * @param name     the gate's name in logs and errors
     * @param admin    where the admin console listens and an {@code admin_users} login; its database is ignored, the
     *                 console is always {@value #ADMIN_DATABASE}
     * @param database the PgBouncer database (the name clients connect to) to pause and resume
     * @param timeout  bound for connecting, for each admin command and for the wait of {@code PAUSE}
     */
    public PgBouncerWriteGate(String name, Dsn admin, String database, Vertx vertx, Duration timeout) {
        this.name = Objects.requireNonNull(name, "name");
        this.admin = Objects.requireNonNull(admin, "admin DSN");
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (!DatabaseName.isValid(database)) {
            throw new IllegalArgumentException("write gate " + name + ": database name must be 1 to 63 letters, digits"
                    + " or underscores, got " + (database == null ? "none" : "'" + database + "'"));
        }
        if (database.equalsIgnoreCase(ADMIN_DATABASE)) {
            throw new IllegalArgumentException("write gate " + name + ": the admin console cannot be paused");
        }
        if (admin.user() == null || admin.user().isEmpty()) {
            throw new IllegalArgumentException("write gate " + name + ": the admin DSN names no user");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("write gate " + name + ": timeout must be positive");
        }
        this.database = database;
    }

    @Override
    public String name() {
        return name;
    }

    /** The database this gate pauses. */
    public String database() {
        return database;
    }

    @Override
    public String describe() {
        return "PgBouncer database " + database + " via " + adminDsn().redacted();
    }

    @Override
    public GateState state() {
        try (Session session = open()) {
            return session.state();
        }
    }

    @Override
    public GateState pause() {
        try (Session session = open()) {
            return session.pause();
        }
    }

    @Override
    public GateState resume() {
        try (Session session = open()) {
            return session.resume();
        }
    }

    /**
     * This gate over one admin connection kept open until {@link Session#close()}, for a short burst of calls where
     * every login counts (a cutover holds clients while it pauses, reconnects, reads the state and resumes). The
     * connection is opened on first use; one left blocked behind an unanswered {@code PAUSE}, or broken by an error,
     * is dropped and the next call opens a fresh one. Not for concurrent use.
     */
    public Session open() {
        return new Session();
    }

    /** See {@link #open()}. */
    public final class Session implements AutoCloseable {

        private PgConnection conn;

        private Session() {}

        /** {@link PgBouncerWriteGate#state()} over this session's connection. */
        public GateState state() {
            return guarded(() -> readState(connection()));
        }

        /** {@link PgBouncerWriteGate#pause()} over this session's connection. */
        public GateState pause() {
            return pause(timeout);
        }

        /** {@link #pause()}, waiting at most {@code wait} for the running transactions to end. */
        public GateState pause(Duration wait) {
            PgConnection c = connection();
            try {
                awaitNoLoginInProgress(c);
                await(c.query("PAUSE " + database).execute().subscribeAsCompletionStage(), wait);
            } catch (TimeoutException e) {
                // the connection is blocked behind the unanswered PAUSE; the pause itself stays in force without it
                drop();
                GateState now = state();
                LOG.infof(
                        "write gate %s: PAUSE %s not answered within %dms (transactions still running); state now %s",
                        name, database, wait.toMillis(), now);
                return now;
            } catch (PgException e) {
                if (message(e).contains("already suspended/paused")) {
                    throw new WriteGateException(
                            name,
                            "PgBouncer at " + admin.address() + " is paused or suspended as a" + " whole, so database "
                                    + database + " cannot be paused on its own; RESUME the pooler first");
                }
                throw failure("PAUSE " + database, e);
            } catch (RuntimeException e) {
                drop();
                throw e;
            }
            return state();
        }

        /** {@link PgBouncerWriteGate#resume()} over this session's connection. */
        public GateState resume() {
            PgConnection c = connection();
            try {
                await(c.query("RESUME " + database).execute());
            } catch (TimeoutException e) {
                drop();
                throw failure("RESUME " + database, e);
            } catch (PgException e) {
                // a retried or duplicate RESUME: already in the wanted state
                if (!message(e).contains("is not paused")) {
                    throw failure("RESUME " + database, e);
                }
            } catch (RuntimeException e) {
                drop();
                throw e;
            }
            return state();
        }

        /**
         * {@code RECONNECT db}: PgBouncer closes the database's server connections as they become free, so pooled
         * clients get new ones (and follow a router's new weights).
         */
        public void reconnect() {
            PgConnection c = connection();
            try {
                awaitNoLoginInProgress(c);
                await(c.query("RECONNECT " + database).execute());
            } catch (TimeoutException e) {
                drop();
                throw failure("RECONNECT " + database, e);
            } catch (PgException e) {
                throw failure("RECONNECT " + database, e);
            } catch (RuntimeException e) {
                drop();
                throw e;
            }
        }

        @Override
        public void close() {
            drop();
        }

        private PgConnection connection() {
            if (conn == null) {
                conn = connect();
            }
            return conn;
        }

        private GateState guarded(Supplier<GateState> read) {
            try {
                return read.get();
            } catch (RuntimeException e) {
                drop();
                throw e;
            }
        }

        private void drop() {
            PgConnection c = conn;
            conn = null;
            PgBouncerWriteGate.this.close(c);
        }
    }

    /**
     * Waits (at most {@code timeout}) until no server connection of the database is logging in. {@code PAUSE} and
     * {@code RECONNECT} end such a connection at once, and PgBouncer counts that as a failed login: it then opens no
     * server connection for {@code server_login_retry} (15 s by default) and refuses the clients that need one
     * ("server login has been failing"). Right after a {@code RESUME}, the released clients' logins are exactly such
     * connections. A login can still start between this read and the command; the window is one console round trip.
     * The wait is short: a login still running after {@link #LOGIN_WAIT} is to a server that is slow or gone (a
     * failover's dead primary), and cutting it costs less than delaying a failover's fence.
     */
    private void awaitNoLoginInProgress(PgConnection conn) {
        Duration bound = timeout.compareTo(LOGIN_WAIT) < 0 ? timeout : LOGIN_WAIT;
        long deadline = System.nanoTime() + bound.toNanos();
        long logins;
        while ((logins = serverLogins(conn)) > 0) {
            if (System.nanoTime() - deadline >= 0) {
                LOG.warnf(
                        "write gate %s: %d server login(s) of %s still in progress after %dms; going on, so PgBouncer"
                                + " may refuse clients for server_login_retry",
                        name, logins, database, bound.toMillis());
                return;
            }
            LockSupport.parkNanos(LOGIN_POLL.toNanos());
        }
    }

    private long serverLogins(PgConnection conn) {
        long logins = 0;
        for (Row row : query(conn, "SHOW POOLS")) {
            if (database.equals(row.getString("database")) && row.getColumnIndex("sv_login") >= 0) {
                logins += number(row.getValue("sv_login"));
            }
        }
        return logins;
    }

    private GateState readState(PgConnection conn) {
        Row db = null;
        for (Row row : query(conn, "SHOW DATABASES")) {
            if (database.equals(row.getString("name"))) {
                db = row;
            }
        }
        if (db == null) {
            throw new WriteGateException(name, "PgBouncer at " + admin.address() + " has no database " + database);
        }
        if (!flag(db.getValue("paused"))) {
            return GateState.OPEN;
        }
        long servers = 0;
        for (Row row : query(conn, "SHOW POOLS")) {
            if (database.equals(row.getString("database"))) {
                for (String column : SERVER_COLUMNS) {
                    if (row.getColumnIndex(column) >= 0) {
                        servers += number(row.getValue(column));
                    }
                }
            }
        }
        return servers > 0 ? GateState.PAUSING : GateState.PAUSED;
    }

    private RowSet<Row> query(PgConnection conn, String sql) {
        try {
            return await(conn.query(sql).execute());
        } catch (TimeoutException | PgException e) {
            throw failure(sql, e);
        }
    }

    private PgConnection connect() {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException(
                    "write gate " + name + " blocks; call it from a worker thread, not an event loop");
        }
        CompletableFuture<PgConnection> pending =
                PgConnection.connect(vertx, connectOptions()).subscribeAsCompletionStage();
        try {
            return await(pending);
        } catch (TimeoutException e) {
            // a login that completes after we gave up must not leave a console session open
            pending.thenAccept(conn -> conn.close().subscribe().with(v -> {}, err -> {}));
            throw failure("connect", e);
        } catch (PgException e) {
            throw failure("connect", e);
        }
    }

    private <T> T await(Uni<T> uni) throws TimeoutException {
        return await(uni.subscribeAsCompletionStage());
    }

    private <T> T await(CompletableFuture<T> future) throws TimeoutException {
        return await(future, timeout);
    }

    private <T> T await(CompletableFuture<T> future, Duration bound) throws TimeoutException {
        try {
            return future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof PgException pg) {
                throw pg;
            }
            throw failure("admin console", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteGateException(name, "interrupted while waiting for PgBouncer at " + admin.address());
        }
    }

    /** Waits (bounded) for the close, so no admin session outlives the call that opened it. */
    private void close(PgConnection conn) {
        if (conn == null) {
            return;
        }
        try {
            conn.close().subscribeAsCompletionStage().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debugf("write gate %s: closing the PgBouncer admin connection: %s", name, e);
        }
    }

    private WriteGateException failure(String action, Throwable e) {
        String text;
        if (e instanceof TimeoutException) {
            text = action + ": no answer from PgBouncer at " + admin.address() + " within " + timeout.toMillis() + "ms";
        } else if (e instanceof PgException pg && isLoginFailure(pg)) {
            text = "PgBouncer at " + admin.address() + " refused the login of " + admin.user() + ": " + message(pg);
        } else if (e instanceof PgException pg) {
            text = action + " failed on PgBouncer at " + admin.address() + ": " + message(pg);
        } else if (e instanceof ConnectException) {
            text = "cannot reach PgBouncer at " + admin.address() + ": " + e.getMessage();
        } else {
            text = action + " on PgBouncer at " + admin.address() + " failed: "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        String safe = Dsn.redact(text, admin.password());
        // a cause whose text had to be redacted would bring the secret back through its own message
        return new WriteGateException(name, safe, safe.equals(text) ? e : null);
    }

    /**
     * PostgreSQL answers a failed login with SQLSTATE class 28; PgBouncer 1.18 ends a failed SCRAM exchange with
     * "SASL authentication failed" outside that class.
     */
    private static boolean isLoginFailure(PgException e) {
        String state = e.getSqlState() == null ? "" : e.getSqlState();
        return state.startsWith("28") || message(e).toLowerCase(Locale.ROOT).contains("authentication failed");
    }

    private static String message(PgException e) {
        return e.getErrorMessage() == null ? String.valueOf(e.getMessage()) : e.getErrorMessage();
    }

    private static boolean flag(Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof Number n) {
            return n.longValue() != 0;
        }
        String text = String.valueOf(value).trim().toLowerCase(Locale.ROOT);
        return text.equals("1") || text.equals("t") || text.equals("true") || text.equals("yes");
    }

    private static long number(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return value == null ? 0 : Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private Dsn adminDsn() {
        return new Dsn(admin.host(), admin.port(), ADMIN_DATABASE, admin.user(), admin.password(), admin.options());
    }

    private PgConnectOptions connectOptions() {
        PgConnectOptions o = new PgConnectOptions()
                .setHost(admin.host())
                .setPort(admin.port())
                .setDatabase(ADMIN_DATABASE)
                .setUser(admin.user())
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .setReconnectAttempts(0)
                .setCachePreparedStatements(false)
                // the client's defaults include extra_float_digits, which PgBouncer rejects unless configured to
                // ignore it; these two are always accepted
                .setProperties(Map.of("application_name", "pgactive-tools-write-gate", "client_encoding", "utf8"));
        if (admin.password() != null) {
            o.setPassword(admin.password());
        }
        LibpqTls.apply(admin, o);
        return o;
    }

    @Override
    public String toString() {
        return name + " (" + describe() + ")";
    }
}
