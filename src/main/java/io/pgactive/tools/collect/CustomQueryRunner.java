package io.pgactive.tools.collect;

import io.pgactive.tools.config.Dsn;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the custom metric queries that apply to a node, one after the other on its connection, each under its own
 * statement timeout. A failing query is recorded against that metric only; it never fails the node.
 */
final class CustomQueryRunner {

    private CustomQueryRunner() {
    }

    static Uni<Void> run(SqlConnection conn, List<CustomQuery> queries, Capabilities caps, Scrape out, String password) {
        Map<String, CustomQuery> chosen = new LinkedHashMap<>();
        for (CustomQuery q : queries) {
            if (q.appliesTo(caps.serverVersionNum(), caps.inRecovery())) {
                chosen.put(q.name(), q); // sorted by version: the newest applicable one wins
            }
        }
        return Multi.createFrom().iterable(chosen.values())
                .onItem().transformToUniAndConcatenate(q -> runOne(conn, q, out, password))
                .collect().last().replaceWithVoid();
    }

    private static Uni<Void> runOne(SqlConnection conn, CustomQuery q, Scrape out, String password) {
        // One simple-query message: its statements form one implicit transaction, so the transaction-local
        // statement_timeout applies to the custom query alone and needs no reset, in a single round trip.
        String sql = "SELECT set_config('statement_timeout', '" + q.timeout().toMillis() + "', true); " + q.sql();
        return conn.query(sql).execute()
                .invoke(rows -> out.custom.put(q.name(), value(q, rows.next())))
                .replaceWithVoid()
                .onFailure().recoverWithUni(e -> {
                    out.custom.put(q.name(), null);
                    out.customErrors.put(q.name(), Dsn.redact(String.valueOf(e.getMessage()), password));
                    return Uni.createFrom().voidItem();
                });
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
        throw new IllegalArgumentException("column " + column + " is not numeric (" + v.getClass().getSimpleName() + ")");
    }
}
