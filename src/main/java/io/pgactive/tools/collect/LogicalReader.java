package io.pgactive.tools.collect;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.snapshot.HealthPolicy;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Native logical replication: logical slots on the publisher (exact byte lag) and subscriptions on the subscriber
 * (worker alive, apply errors, and on PostgreSQL 18 the per-type conflict counters). Owns the subscriber's previous
 * counter values so that counter resets (restart, stats reset) are never read as negative conflicts.
 */
final class LogicalReader {

    private static final List<String> CONFLICT_COLUMNS = List.of(
            "confl_insert_exists",
            "confl_update_origin_differs",
            "confl_update_exists",
            "confl_update_missing",
            "confl_delete_origin_differs",
            "confl_delete_missing",
            "confl_multiple_unique_conflicts");

    /** How long a link stays marked after its apply error count last rose. */
    static final Duration APPLY_ERRORS_WINDOW = Duration.ofMinutes(1);

    static final String APPLY_FAILING = HealthPolicy.APPLY_ERRORS;

    private final ConflictWindow window;
    private final Map<String, Long> previousConflicts = new HashMap<>();
    private final Map<String, Long> previousApplyErrors = new HashMap<>();
    private final Map<String, Instant> applyErrorsRoseAt = new HashMap<>();

    LogicalReader(ConflictWindow window) {
        this.window = window;
    }

    Future<Void> read(SqlConnection conn, Capabilities caps, Scrape out, Map<String, String> addresses) {
        Future<Void> outbound = out.afterNodeRead(
                        conn.preparedQuery(Sql.LOGICAL_OUTBOUND).execute())
                .map(rows -> {
                    for (Row r : rows) {
                        Boolean active = r.getBoolean("active");
                        Link link = Link.outbound("logical", r.getString("peer"))
                                .state(Boolean.TRUE.equals(active) ? r.getString("state") : "disconnected")
                                .active(active)
                                .syncState(r.getString("sync_state"))
                                .lagBytes(r.getLong("lag_bytes"))
                                .lagXid(r.getLong("xmin_age"))
                                .positions(
                                        r.getString("sent_lsn"),
                                        r.getString("write_lsn"),
                                        r.getString("flush_lsn"),
                                        r.getString("replay_lsn"))
                                .slot(r.getString("slot_name"))
                                .build();
                        out.links.add(
                                new LinkReading(link, out.node, r.getString("position"), r.getString("slot_name")));
                    }
                    if (rows.size() > 0) {
                        out.roles.add("publisher");
                    }
                    return null;
                });
        if (!caps.subscriptionsActive()) {
            return outbound;
        }
        Future<RowSet<Row>> subscriptions = out.afterNodeRead(
                conn.preparedQuery(Sql.logicalInbound(caps.serverVersionNum())).execute());
        // subscription -> publisher address (host:port as written); the connection string is dropped here
        Future<Map<String, String>> publishers = conn.preparedQuery(Sql.LOGICAL_PUBLISHERS)
                .execute()
                .map(rows -> {
                    Map<String, String> bySubscription = new HashMap<>();
                    for (Row r : rows) {
                        try {
                            bySubscription.put(
                                    r.getString("subname"),
                                    Dsn.parse(r.getString("subconninfo")).address());
                        } catch (IllegalArgumentException ignored) {
                            // a conninfo we cannot parse (service file, several hosts): keep the subscription name
                        }
                    }
                    return bySubscription;
                })
                .otherwise(Map.of());
        Future<Void> inbound = Future.all(subscriptions, publishers).map(both -> {
            for (Row r : subscriptions.result()) {
                inbound(r, publishers.result(), addresses, out);
            }
            return null;
        });
        return Future.all(outbound, inbound).mapEmpty();
    }

    private void inbound(Row r, Map<String, String> publishers, Map<String, String> addresses, Scrape out) {
        String sub = r.getString("subname");
        boolean enabled = Boolean.TRUE.equals(r.getBoolean("enabled"));
        boolean alive = Boolean.TRUE.equals(r.getBoolean("worker_alive"));
        Long total = null;
        for (String column : CONFLICT_COLUMNS) {
            Long v = r.getLong(column);
            if (v != null) {
                total = (total == null ? 0 : total) + v;
                out.addConflicts(column.substring("confl_".length()), v);
            }
        }
        if (total != null) {
            Long before = previousConflicts.put(sub, total);
            // a lower value than last time is a counter reset: count what accumulated since, never a negative delta
            window.add(out.readAt, before == null ? 0 : total >= before ? total - before : total);
            out.conflictsTotal = (out.conflictsTotal == null ? 0 : out.conflictsTotal) + total;
        }
        Long applyErrors = r.getLong("apply_errors");
        if (applyErrors != null) {
            Long before = previousApplyErrors.put(sub, applyErrors);
            if (before != null && applyErrors > before) {
                applyErrorsRoseAt.put(sub, out.readAt);
            }
        }
        Instant rose = applyErrorsRoseAt.get(sub);
        // a worker that fails on every change restarts in between: "alive" flaps, the rising count does not
        boolean failing =
                enabled && rose != null && Duration.between(rose, out.readAt).compareTo(APPLY_ERRORS_WINDOW) < 0;
        String state = !enabled ? "disabled" : failing ? APPLY_FAILING : alive ? "streaming" : "worker down";
        String address = publishers.get(sub);
        String publisher = address == null ? null : addresses.get(address);
        Link link = Link.inbound("logical", publisher != null ? publisher : sub)
                .state(state)
                .active(enabled && alive)
                .positions(null, null, null, r.getString("latest_end_lsn"))
                .applyErrors(applyErrors)
                .conflicts(total)
                .slot(r.getString("slot_name"))
                .build();
        // the position is what the subscriber has applied and confirmed to its publisher (latest_end_lsn)
        out.links.add(new LinkReading(
                link,
                publisher,
                r.getString("latest_end_lsn"),
                r.getString("slot_name"),
                publisher == null ? address : null));
    }
}
