package io.pgactive.tools.collect;

import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.snapshot.ConflictRecord;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * The pgactive dialect for one node: outbound links from {@code pgactive_get_replication_lag_info()} (or the legacy
 * {@code pgactive_node_slots} view), inbound apply state per upstream, and the node-local conflict history read
 * incrementally. Owns that node's conflict cursor.
 */
final class PgactiveReader {

    /** pgactive reports "no apply worker" as the PostgreSQL epoch. */
    private static final Instant PG_EPOCH = Instant.parse("2000-01-01T00:00:00Z");

    private static final Logger LOG = Logger.getLogger(PgactiveReader.class);

    private final Set<String> warned = new HashSet<>();
    private long conflictCursor = -1;
    /** The newest conflict id handed to the ledger; behind conflictCursor while history before the baseline is copied. */
    private long ledgerCursor = -1;

    private LongSupplier ledgerStart = () -> 0;
    private final Map<String, Long> conflictTotals = new HashMap<>();
    private final ConflictWindow window;

    PgactiveReader(ConflictWindow window) {
        this.window = window;
    }

    void ledgerStart(LongSupplier start) {
        this.ledgerStart = start;
    }

    /** Forget the cursor so the next read takes a fresh baseline (after a reconnect, the table may have been purged). */
    void reset() {
        conflictCursor = -1;
        conflictTotals.clear();
        window.clear();
    }

    /**
     * Whether the next read sends statements from its answers (the conflict history's baseline, or history before it
     * still being copied to the ledger): anything pipelined behind the read would hold those back.
     */
    boolean followsUp(Capabilities caps) {
        return caps.pgactiveConflictHistory() && (conflictCursor < 0 || ledgerCursor < conflictCursor);
    }

    Future<Void> read(SqlConnection conn, Capabilities caps, Scrape out) {
        Future<Void> outbound = caps.pgactiveLagInfo()
                ? outbound(conn, Sql.PGACTIVE_LAG_INFO, caps, out, false)
                : caps.pgactiveNodeSlots()
                        ? outbound(conn, Sql.PGACTIVE_NODE_SLOTS_LEGACY, caps, out, true)
                        : Future.succeededFuture();
        // the apply-side details are secondary: without them (privileges, an older release) the node still reports
        Future<Map<String, Row>> applied = caps.pgactiveLastApplied()
                ? optionalByNodeName(conn, Sql.PGACTIVE_INBOUND, "pgactive_get_last_applied_xact_info()", out)
                : Future.succeededFuture(Map.of());
        Future<Map<String, Row>> stats = caps.pgactiveStats()
                ? optionalByNodeName(conn, Sql.PGACTIVE_STATS, "pgactive_get_stats()", out)
                : Future.succeededFuture(Map.of());
        Future<Void> inbound = Future.all(applied, stats).map(both -> {
            inbound(applied.result(), stats.result(), out);
            return null;
        });
        Future<Void> conflicts = caps.pgactiveConflictHistory() ? conflicts(conn, out) : Future.succeededFuture();
        return Future.all(outbound, inbound, conflicts).mapEmpty();
    }

    private Future<Void> outbound(SqlConnection conn, String sql, Capabilities caps, Scrape out, boolean legacy) {
        return out.afterNodeRead(conn.preparedQuery(sql).execute()).map(rows -> {
            outbound(rows, caps, out, legacy);
            return null;
        });
    }

    private Future<Map<String, Row>> optionalByNodeName(SqlConnection conn, String sql, String what, Scrape out) {
        return conn.preparedQuery(sql).execute().map(PgactiveReader::byNodeName).otherwise(e -> {
            if (warned.add(what)) {
                LOG.warnf("node %s: %s unavailable, its values stay null: %s", out.node, what, e.getMessage());
            }
            return Map.of();
        });
    }

    private void outbound(Iterable<Row> rows, Capabilities caps, Scrape out, boolean legacy) {
        List<Row> all = new ArrayList<>();
        rows.forEach(all::add);
        // The 2.1.4+ function lists the slots of every ready member, each row naming the member that consumes the
        // slot, never the member that holds it. A row naming this node is a peer's slot feeding this node: never
        // one of its outbound links. Rows whose slot exists here are this node's; without local slots (a two-node
        // group seen from a catalog without slot rows) the rows naming the other member are, which can only be
        // told once this node knows who it is.
        boolean anyLocal = !legacy && all.stream().anyMatch(r -> Boolean.TRUE.equals(r.getBoolean("local_slot")));
        if (!legacy && !anyLocal && !caps.pgactiveIdentityKnown() && !all.isEmpty()) {
            if (warned.add("identity")) {
                LOG.warnf(
                        "node %s: pgactive lag rows ignored until the node's own pgactive identity is known", out.node);
            }
            return;
        }
        for (Row r : all) {
            String peer = r.getString("node_name");
            if (!legacy && (namesThisNode(r, caps) || anyLocal && !Boolean.TRUE.equals(r.getBoolean("local_slot")))) {
                continue;
            }
            Long pendingDecoding = legacy ? null : r.getLong("pending_wal_decoding");
            Long pendingApply = legacy ? null : r.getLong("pending_wal_to_apply");
            Long lagBytes = legacy ? r.getLong("lag_bytes") : pendingApply;
            String replay = r.getString("replay_lsn");
            String position = replay != null ? replay : r.getString("confirmed_flush_lsn");
            Boolean active = r.getBoolean("active");
            if (!legacy && lagBytes == null) {
                lagBytes = pendingDecoding; // disconnected: nothing is applied beyond what was confirmed
            }
            Link link = Link.outbound("pgactive", peer)
                    .state(Boolean.TRUE.equals(active) ? "streaming" : "stopped")
                    .active(active)
                    .lagSeconds(legacy ? r.getDouble("lag_time_seconds") : null)
                    .lagBytes(lagBytes)
                    .lagXid(legacy ? r.getLong("lag_xid") : r.getLong("xmin_age"))
                    .pendingWalDecoding(pendingDecoding)
                    .pendingWalToApply(pendingApply)
                    .positions(r.getString("sent_lsn"), r.getString("write_lsn"), r.getString("flush_lsn"), replay)
                    .slot(r.getString("slot_name"))
                    .build();
            out.links.add(new LinkReading(link, out.node, position, null));
        }
    }

    private static boolean namesThisNode(Row r, Capabilities caps) {
        String name = r.getString("node_name");
        String sysid = r.getString("node_sysid");
        return name != null && name.equals(caps.pgactiveNodeName())
                || sysid != null && sysid.equals(caps.pgactiveSysid());
    }

    private static void inbound(Map<String, Row> applied, Map<String, Row> stats, Scrape out) {
        Set<String> peers = new TreeSet<>(applied.keySet());
        peers.addAll(stats.keySet());
        for (String peer : peers) {
            Row a = applied.get(peer);
            Row s = stats.get(peer);
            Instant appliedAt = a == null ? null : instant(a.getOffsetDateTime("last_applied_xact_at"));
            if (PG_EPOCH.equals(appliedAt)) {
                appliedAt = null;
            }
            Long conflicts = s == null ? null : s.getLong("conflicts");
            Long rollbacks = s == null ? null : s.getLong("nr_rollback");
            Link link = Link.inbound("pgactive", peer)
                    .lastAppliedAt(appliedAt)
                    .applyErrors(rollbacks)
                    .conflicts(conflicts)
                    .build();
            out.links.add(new LinkReading(link, null, null));
        }
    }

    private Future<Void> conflicts(SqlConnection conn, Scrape out) {
        if (ledgerCursor < 0) {
            ledgerCursor = ledgerStart.getAsLong();
        }
        return counted(conn, out).compose(v -> backlog(conn, out));
    }

    /**
     * Rows the counting cursor skipped (the history before this run's baseline, or while a previous run was down) are
     * copied to the ledger a bounded batch per cycle; the store ignores ids it already has.
     */
    private Future<Void> backlog(SqlConnection conn, Scrape out) {
        if (ledgerCursor >= conflictCursor) {
            return Future.succeededFuture();
        }
        long upTo = conflictCursor;
        return conn.preparedQuery(Sql.PGACTIVE_CONFLICTS_SINCE)
                .execute(Tuple.of(ledgerCursor))
                .map(rows -> {
                    long max = ledgerCursor;
                    for (Row r : rows) {
                        long id = r.getLong("conflict_id");
                        if (id <= upTo) {
                            out.conflictRows.add(record(out.node, r));
                        }
                        max = Math.max(max, id);
                    }
                    ledgerCursor = rows.size() < LEDGER_BATCH ? upTo : Math.min(max, upTo);
                    return null;
                });
    }

    private static final int LEDGER_BATCH = 5000;

    static ConflictRecord record(String node, Row r) {
        return new ConflictRecord(
                node,
                r.getLong("conflict_id"),
                instant(r.getOffsetDateTime("local_conflict_time")),
                r.getString("conflict_type"),
                r.getString("conflict_resolution"),
                r.getString("object_schema"),
                r.getString("object_name"),
                r.getString("remote_node"));
    }

    private Future<Void> counted(SqlConnection conn, Scrape out) {
        if (conflictCursor < 0) {
            return out.afterNodeRead(conn.query(Sql.PGACTIVE_CONFLICTS_BASELINE).execute())
                    .map(rows -> {
                        long maxId = 0;
                        int lastMinute = 0;
                        for (Row r : rows) {
                            conflictTotals.put(r.getString("conflict_type"), r.getLong("total"));
                            lastMinute += r.getLong("last_minute").intValue();
                            Long id = r.getLong("max_id");
                            maxId = Math.max(maxId, id == null ? 0 : id);
                        }
                        conflictCursor = maxId;
                        window.add(out.readAt, lastMinute);
                        publish(out);
                        return null;
                    });
        }
        long before = conflictCursor;
        return out.afterNodeRead(
                        conn.preparedQuery(Sql.PGACTIVE_CONFLICTS_SINCE).execute(Tuple.of(conflictCursor)))
                .map(rows -> {
                    boolean ledgerCaughtUp = ledgerCursor >= before;
                    for (Row r : rows) {
                        if (ledgerCaughtUp) {
                            out.conflictRows.add(record(out.node, r));
                            ledgerCursor = Math.max(ledgerCursor, r.getLong("conflict_id"));
                        }
                        conflictTotals.merge(r.getString("conflict_type"), 1L, Long::sum);
                        Instant at = instant(r.getOffsetDateTime("local_conflict_time"));
                        window.add(at == null || at.isAfter(out.readAt) ? out.readAt : at, 1);
                        conflictCursor = Math.max(conflictCursor, r.getLong("conflict_id"));
                    }
                    publish(out);
                    return null;
                });
    }

    private void publish(Scrape out) {
        long total = 0;
        for (Map.Entry<String, Long> e : conflictTotals.entrySet()) {
            out.addConflicts(e.getKey(), e.getValue());
            total += e.getValue();
        }
        out.conflictsTotal = (out.conflictsTotal == null ? 0 : out.conflictsTotal) + total;
    }

    private static Map<String, Row> byNodeName(Iterable<Row> rows) {
        Map<String, Row> map = new HashMap<>();
        for (Row r : rows) {
            String name = r.getString("node_name");
            if (name != null) {
                map.put(name, r);
            }
        }
        return map;
    }

    static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
