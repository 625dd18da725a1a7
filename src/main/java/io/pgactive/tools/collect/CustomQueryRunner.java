package io.pgactive.tools.collect;

import io.pgactive.tools.config.CustomQuery;
import io.pgactive.tools.config.Dsn;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Runs the custom metric queries that apply to a node on its connection, each under its own statement timeout, cut to
 * what is left of the node's deadline. A failing, slow or oversized query is recorded against that metric only; it
 * never fails the node. One runner per node, used on the node's event-loop context only.
 *
 * <p>Each query is a message of its own (its own implicit transaction, so an error stays its own), and all of them are
 * sent at once, pipelined behind the replication state's statements: no round trip of their own. The server runs them
 * one after the other, so each one's timeout is worked out by the server as it starts, from the deadline the node's own
 * statement left in the session on the server's clock: the server is done with them by the deadline, however long the
 * statements before them took. The deadline is tagged with the scrape, so one left by another scrape (a pooler handing
 * over another session) is never used; the query's own timeout then applies.
 *
 * <p>The queries and the timeout statement are prepared once per connection (SQL-level {@code PREPARE}, which the
 * message then runs with {@code EXECUTE}): parsing and planning a query over the statistics views costs the server
 * more than running it, every cycle. The timeout must be set in the same transaction as the query it limits, which
 * only a multi-statement simple query gives; the client's own prepared statements would each be a transaction of their
 * own. A query that does not prepare reports the server's error for it, as it would have when run. Should prepared
 * statements vanish from a session that is still the same connection (a pooler handing sessions around, or resetting
 * them), the runner says so once and runs the queries as plain text from then on.
 */
final class CustomQueryRunner {

    private static final Logger LOG = Logger.getLogger(CustomQueryRunner.class);

    /** Below this much time left before the node's deadline, the custom queries are not sent. */
    static final long MIN_BUDGET_MILLIS = 20;
    /** Kept free before the deadline for the answer's way back. */
    static final long MARGIN_MILLIS = 20;

    /** The share of the node deadline a single custom query may use; the rest is for the replication state. */
    static final double DEADLINE_SHARE = 0.75;

    /** The prepared name of {@code sql/custom_timeout.sql} (scrape id, the query's own timeout in ms). */
    static final String TIMEOUT_STATEMENT = "pgactive_tools_timeout";
    /** Prepared custom queries are named by a hash of their text: a name found in a session holds the same text. */
    static final String QUERY_STATEMENT_PREFIX = "pgactive_tools_q_";

    /** SQLSTATE invalid_sql_statement_name: no prepared statement of that name in the session. */
    private static final String NO_SUCH_STATEMENT = "26000";
    /** SQLSTATE duplicate_prepared_statement: already prepared (by an earlier scrape whose answer came late). */
    private static final String ALREADY_PREPARED = "42P05";

    private static final String PREPARE_TIMEOUT =
            "PREPARE " + TIMEOUT_STATEMENT + "(bigint, bigint) AS " + Sql.CUSTOM_TIMEOUT;

    private final String node;
    private final List<Statement> statements;
    /** Counts the connections the node's pool opened: statements prepared on an earlier one are gone. */
    private final LongSupplier connectionsOpened;

    private long preparedOn = -1;
    private final Set<String> prepared = new HashSet<>();
    /** Prepared statements vanished from a live session: from then on the queries run as plain text. */
    private boolean plainText;

    /** A custom query, the name it is prepared under and the statement that prepares it. */
    private record Statement(CustomQuery query, String name, String prepare) {

        static Statement of(CustomQuery q) {
            String body = limited(q);
            String name = QUERY_STATEMENT_PREFIX + hash(body);
            return new Statement(q, name, "PREPARE " + name + " AS " + body);
        }
    }

    /**
     * @param queries the custom queries, already fitted inside the node deadline ({@link #fitInside})
     * @param connectionsOpened how many connections the node's pool opened so far
     */
    CustomQueryRunner(String node, List<CustomQuery> queries, LongSupplier connectionsOpened) {
        this.node = node;
        this.statements = queries.stream().map(Statement::of).toList();
        this.connectionsOpened = connectionsOpened;
    }

    boolean isEmpty() {
        return statements.isEmpty();
    }

    /**
     * Fits every query's timeout inside the node deadline: a longer one would fail the whole node where only its
     * metric should fail. Each clamped query is named in one start-up line.
     */
    static List<CustomQuery> fitInside(List<CustomQuery> queries, Duration nodeTimeout, Logger log) {
        Duration limit = Duration.ofMillis(Math.max(1, (long) (nodeTimeout.toMillis() * DEADLINE_SHARE)));
        List<CustomQuery> fitted = new ArrayList<>();
        for (CustomQuery q : queries) {
            if (q.timeout().compareTo(limit) > 0) {
                log.warnf(
                        "%s: timeout: %dms does not fit inside the node deadline (collector.timeout %dms);"
                                + " clamped to %dms",
                        q.file(), q.timeout().toMillis(), nodeTimeout.toMillis(), limit.toMillis());
                fitted.add(q.withTimeout(limit));
            } else {
                fitted.add(q);
            }
        }
        return List.copyOf(fitted);
    }

    /**
     * Sends the queries that apply to the node; call it after the node's own statement was sent with {@code out.id}
     * and its deadline. Completes when every one was answered or failed (recorded against that query).
     */
    Future<Void> run(SqlConnection conn, Capabilities caps, Scrape out, String password) {
        Map<String, Statement> chosen = new LinkedHashMap<>();
        for (Statement s : statements) {
            if (s.query().appliesTo(caps.serverVersionNum(), caps.inRecovery())) {
                chosen.put(s.query().name(), s); // sorted by version: the newest applicable one wins
            }
        }
        out.pendingCustom.addAll(chosen.keySet());
        if (TimeUnit.NANOSECONDS.toMillis(out.deadlineNanos - System.nanoTime()) - MARGIN_MILLIS < MIN_BUDGET_MILLIS) {
            chosen.values()
                    .forEach(s ->
                            record(out, s.query(), null, "not run: no time left within the node deadline", password));
            return Future.succeededFuture();
        }
        long connection = connectionsOpened.getAsLong();
        if (connection != preparedOn) {
            prepared.clear();
            preparedOn = connection;
        }
        if (!plainText) {
            prepare(conn, TIMEOUT_STATEMENT, PREPARE_TIMEOUT);
        }
        List<Future<Void>> runs = new ArrayList<>();
        for (Statement s : chosen.values()) {
            runs.add(plainText ? runPlain(conn, s, out, password) : runPrepared(conn, s, out, password));
        }
        return Future.all(runs).mapEmpty();
    }

    private Future<Void> runPrepared(SqlConnection conn, Statement s, Scrape out, String password) {
        Future<Void> queryReady = prepare(conn, s.name(), s.prepare());
        String execute = "EXECUTE " + TIMEOUT_STATEMENT + "(" + out.id + ", "
                + s.query().timeout().toMillis() + "); EXECUTE " + s.name();
        // answers come in the order the statements were sent: the PREPAREs' outcomes are known when this one's is
        return conn.query(execute)
                .execute()
                .<Void>map(rows -> {
                    answer(out, s.query(), rows, password);
                    return null;
                })
                .recover(e -> {
                    if (queryReady.failed()) {
                        // the query itself is wrong (a missing table, a syntax error): its PREPARE said so
                        record(
                                out,
                                s.query(),
                                null,
                                String.valueOf(queryReady.cause().getMessage()),
                                password);
                        return Future.succeededFuture();
                    }
                    // only the server's answer that a statement is missing says the session does not keep them (the
                    // timeout's PREPARE, not checked above, fails that way too); a broken connection is no such answer
                    if (sqlState(e).equals(NO_SUCH_STATEMENT)) {
                        if (!plainText) {
                            plainText = true;
                            LOG.warnf(
                                    "node %s: the custom queries cannot run prepared (%s); they run as plain text from"
                                            + " now on (is a pooler between the service and the node handing sessions"
                                            + " around or resetting them?)",
                                    node, Dsn.redact(String.valueOf(e.getMessage()), password));
                        }
                        return runPlain(conn, s, out, password);
                    }
                    record(out, s.query(), null, String.valueOf(e.getMessage()), password);
                    return Future.succeededFuture();
                });
    }

    private Future<Void> runPlain(SqlConnection conn, Statement s, Scrape out, String password) {
        return conn.query(statement(s.query(), out.id))
                .execute()
                .<Void>map(rows -> {
                    answer(out, s.query(), rows, password);
                    return null;
                })
                .otherwise(e -> {
                    record(out, s.query(), null, String.valueOf(e.getMessage()), password);
                    return null;
                });
    }

    /** Prepares a statement on the session unless it was already; fails with the server's error if it does not. */
    private Future<Void> prepare(SqlConnection conn, String name, String prepare) {
        if (prepared.contains(name)) {
            return Future.succeededFuture();
        }
        return conn.query(prepare)
                .execute()
                .<Void>mapEmpty()
                .recover(e -> sqlState(e).equals(ALREADY_PREPARED) ? Future.succeededFuture() : Future.failedFuture(e))
                .onSuccess(v -> prepared.add(name));
    }

    /** The second statement's rows: the first one only set the timeout. */
    private static void answer(Scrape out, CustomQuery q, RowSet<Row> rows, String password) {
        RowSet<Row> result = rows.next();
        if (result.size() > q.maxRows()) {
            record(out, q, null, "returned more than " + q.maxRows() + " rows (max_rows)", password);
        } else {
            record(out, q, value(q, result), null, password);
        }
    }

    private static String sqlState(Throwable e) {
        return e instanceof PgException pg && pg.getSqlState() != null ? pg.getSqlState() : "";
    }

    /** How long the node's statement sent now may let the custom queries run on the server, in milliseconds. */
    static long budgetMillis(Scrape out, long sentNanos) {
        return TimeUnit.NANOSECONDS.toMillis(out.deadlineNanos - sentNanos) - MARGIN_MILLIS;
    }

    /**
     * The plain-text form: one simple-query message, the timeout statement then the query, so that the
     * transaction-local statement_timeout applies to the custom query alone and needs no reset. The row cap is applied
     * by the server: one row more than allowed is enough to know the cap was exceeded. Only numbers of ours are put
     * into the text besides the configured query.
     */
    static String statement(CustomQuery q, long scrapeId) {
        return Sql.CUSTOM_TIMEOUT
                        .replace("$1", Long.toString(scrapeId))
                        .replace("$2", Long.toString(q.timeout().toMillis()))
                + ";\n" + limited(q);
    }

    private static String limited(CustomQuery q) {
        return "SELECT * FROM (" + q.sql() + "\n) AS custom_query LIMIT " + (q.maxRows() + 1);
    }

    /** Sixteen hex digits of the text's SHA-256. */
    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JVM has SHA-256
        }
    }

    /** Results that arrive after the scrape was handed over at the deadline are dropped: the scrape is no longer ours. */
    private static void record(Scrape out, CustomQuery q, Object value, String error, String password) {
        if (out.sealed) {
            return;
        }
        out.custom.put(q.name(), value);
        if (error == null) {
            out.customErrors.remove(q.name());
        } else {
            out.customErrors.put(q.name(), Dsn.redact(error, password));
        }
    }

    /** No labels and one value column: a number; no labels: a map of values; with labels: a list of rows. */
    static Object value(CustomQuery q, RowSet<Row> rows) {
        if (q.labels().isEmpty()) {
            Row first = rows.iterator().hasNext() ? rows.iterator().next() : null;
            if (q.values().size() == 1) {
                return first == null ? null : number(first, q.values().get(0).column());
            }
            Map<String, Object> values = new LinkedHashMap<>();
            for (CustomQuery.Value v : q.values()) {
                values.put(v.column(), first == null ? null : number(first, v.column()));
            }
            return values;
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (String label : q.labels()) {
                Object v = r.getValue(label);
                row.put(label, v == null ? null : v.toString());
            }
            for (CustomQuery.Value v : q.values()) {
                row.put(v.column(), number(r, v.column()));
            }
            list.add(row);
        }
        return list;
    }

    private static Number number(Row r, String column) {
        Object v = r.getValue(column);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Number) n.longValue() : (Number) d;
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        throw new IllegalArgumentException(
                "column " + column + " is not numeric (" + v.getClass().getSimpleName() + ")");
    }
}
