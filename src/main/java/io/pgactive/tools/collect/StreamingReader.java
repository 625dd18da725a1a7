package io.pgactive.tools.collect;

import io.pgactive.tools.contract.snapshot.Link;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import java.util.Map;

/**
 * Physical streaming replication: WAL senders and physical slots on the upstream (exact byte lag), and on a standby
 * the WAL receiver and its positions. Stateless.
 */
final class StreamingReader {

    private StreamingReader() {}

    /**
     * @param addresses configured nodes by {@code host:port}, to name a standby's upstream
     */
    static Future<Void> read(SqlConnection conn, Capabilities caps, Scrape out, Map<String, String> addresses) {
        Future<Void> outbound = out.afterNodeRead(
                        conn.preparedQuery(Sql.STREAMING_OUTBOUND).execute())
                .map(rows -> {
                    for (Row r : rows) {
                        Boolean active = r.getBoolean("active");
                        Link link = Link.outbound("streaming", r.getString("peer"))
                                .state(active ? r.getString("state") : "disconnected")
                                .active(active)
                                .syncState(r.getString("sync_state"))
                                .lagBytes(r.getLong("lag_bytes"))
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
                    if (rows.size() > 0 && !out.inRecovery && !out.roles.contains("primary")) {
                        out.roles.add("primary");
                    }
                    return null;
                });
        if (!caps.inRecovery()) {
            return outbound;
        }
        Future<Void> inbound = out.afterNodeRead(
                        conn.preparedQuery(Sql.STREAMING_INBOUND).execute())
                .map(rows -> {
                    Row r = rows.iterator().next();
                    Boolean receiving = r.getBoolean("receiver_active");
                    boolean active = Boolean.TRUE.equals(receiving);
                    String host = r.getString("sender_host");
                    Integer port = r.getInteger("sender_port");
                    String upstream = host == null ? null : addresses.get(host + ":" + port);
                    // no receiver, no sender address: the collector names the upstream last seen
                    String peer = host == null ? null : upstream != null ? upstream : host + ":" + port;
                    out.walReceiverActive = active;
                    String status = r.getString("status");
                    Link link = Link.inbound("streaming", peer)
                            .state(status == null ? "disconnected" : status)
                            .active(active)
                            .lagBytes(r.getLong("lag_bytes"))
                            .positions(
                                    null, r.getString("write_lsn"), r.getString("flush_lsn"), r.getString("replay_lsn"))
                            .slot(r.getString("slot_name"))
                            .build();
                    // the lag is measured against the upstream's WAL when it is a configured node, else against what
                    // this
                    // standby has received; the collector picks whichever it read in this cycle
                    out.links.add(new LinkReading(
                            link,
                            upstream != null ? upstream : out.node,
                            r.getString("replay_lsn"),
                            r.getString("slot_name")));
                    return null;
                });
        return Future.all(outbound, inbound).mapEmpty();
    }
}
