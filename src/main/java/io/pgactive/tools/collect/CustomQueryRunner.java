package io.pgactive.tools.collect;

import io.pgactive.tools.config.CustomQuery;
import io.pgactive.tools.config.Dsn;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Runs the custom metric queries that apply to a node on its connection, each under its own statement timeout, cut to
 * what is left of the node's deadline. A failing, slow or oversized query is recorded against that metric only; it
 * never fails the node.
 *
 * <p>Each query is a message of its own (its own implicit transaction, so an error stays its own), and all of them are
 * sent at once, pipelined behind the replication state's statements: no round trip of their own. The server runs them
 * one after the other, so each one's timeout is worked out by the server as it starts, from the deadline the node's own
 * statement left in the session on the server's clock: the server is done with them by the deadline, however long the
 * statements before them took. The deadline is tagged with the scrape, so one left by another scrape (a pooler handing
 * over another session) is never used; the query's own timeout then applies.
 */
final class CustomQueryRunner {

    /** Below this much time left before the node's deadline, the custom queries are not sent. */
    static final long MIN_BUDGET_MILLIS = 20;
    /** Kept free before the deadline for the answer's way back. */
    static final long MARGIN_MILLIS = 20;

    /** The share of the node deadline a single custom query may use; the rest is for the replication state. */
    static final double DEADLINE_SHARE = 0.75;

    /** Where the node's own statement leaves this scrape's deadline in the session (see {@code sql/node.sql}). */
    private static final String DEADLINE_SETTING = "pgactive_tools.scrape_deadline";

    private CustomQueryRunner() {}

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
    static Future<Void> run(
            SqlConnection conn, List<CustomQuery> queries, Capabilities caps, Scrape out, String password) {
        Map<String, CustomQuery> chosen = new LinkedHashMap<>();
        for (CustomQuery q : queries) {
            if (q.appliesTo(caps.serverVersionNum(), caps.inRecovery())) {
                chosen.put(q.name(), q); // sorted by version: the newest applicable one wins
            }
        }
        out.pendingCustom.addAll(chosen.keySet());
        if (TimeUnit.NANOSECONDS.toMillis(out.deadlineNanos - System.nanoTime()) - MARGIN_MILLIS < MIN_BUDGET_MILLIS) {
            chosen.values()
                    .forEach(q -> record(out, q, null, "not run: no time left within the node deadline", password));
            return Future.succeededFuture();
        }
        List<Future<Void>> runs = new ArrayList<>();
        for (CustomQuery q : chosen.values()) {
            runs.add(conn.query(statement(q, out.id))
                    .execute()
                    .<Void>map(rows -> {
                        RowSet<Row> result = rows.next();
                        if (result.size() > q.maxRows()) {
                            record(out, q, null, "returned more than " + q.maxRows() + " rows (max_rows)", password);
                        } else {
                            record(out, q, value(q, result), null, password);
                        }
                        return null;
                    })
                    .otherwise(e -> {
                        record(out, q, null, String.valueOf(e.getMessage()), password);
                        return null;
                    }));
        }
        return Future.all(runs).mapEmpty();
    }

    /** How long the node's statement sent now may let the custom queries run on the server, in milliseconds. */
    static long budgetMillis(Scrape out, long sentNanos) {
        return TimeUnit.NANOSECONDS.toMillis(out.deadlineNanos - sentNanos) - MARGIN_MILLIS;
    }

    /**
     * One simple-query message: its statements form one implicit transaction, so the transaction-local
     * statement_timeout applies to the custom query alone and needs no reset. The timeout is the query's own or what is
     * left until this scrape's deadline when the query starts, whichever is shorter, and never below 1 ms (0 would mean
     * none). The row cap is applied by the server: one row more than allowed is enough to know the cap was exceeded.
     * Only numbers of ours are put into the text besides the configured query.
     */
    static String statement(CustomQuery q, long scrapeId) {
        long own = q.timeout().toMillis();
        return "SELECT set_config('statement_timeout', least(" + own + ", greatest(1, coalesce(("
                + "SELECT split_part(d, ':', 2)::bigint - (extract(epoch FROM clock_timestamp()) * 1000)::bigint"
                + " FROM current_setting('" + DEADLINE_SETTING + "', true) AS d"
                + " WHERE split_part(d, ':', 1) = '" + scrapeId + "'), " + own + ")))::text, true); "
                + "SELECT * FROM (" + q.sql() + "\n) AS custom_query LIMIT " + (q.maxRows() + 1);
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
