package io.pgactive.tools.collect;

import io.pgactive.tools.contract.snapshot.Link;

/**
 * A link as read from the server, before the collector adds lag time and stall detection from its own position history.
 *
 * @param upstream  the node whose WAL the link consumes ({@code null} when it is not a configured node)
 * @param position  the downstream's confirmed position in the upstream's WAL (null when unknown)
 * @param alias     the replication slot the link uses, known to both sides (the upstream owns it, the downstream's
 *                  WAL receiver or subscription names it): it names the peer of an outbound link even while the
 *                  downstream is disconnected
 * @param upstreamAddress where the downstream connects ({@code host:port} as written in its connection string), when
 *                  the upstream could not be named from the configured addresses as written: the collector resolves
 *                  host names off the event loop and matches again
 */
record LinkReading(Link link, String upstream, String position, String alias, String upstreamAddress) {

    LinkReading(Link link, String upstream, String position) {
        this(link, upstream, position, null, null);
    }

    LinkReading(Link link, String upstream, String position, String alias) {
        this(link, upstream, position, alias, null);
    }
}
