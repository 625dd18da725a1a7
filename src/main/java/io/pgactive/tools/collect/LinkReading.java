package io.pgactive.tools.collect;

import io.pgactive.tools.snapshot.Link;

/**
 * A link as read from the server, before the collector adds lag time and stall detection from its own position history.
 *
 * @param upstream  the node whose WAL the link consumes ({@code null} when it is not a configured node)
 * @param position  the downstream's confirmed position in the upstream's WAL (null when unknown)
 * @param alias     the name the other side knows this link by (a subscription's name is its slot's name and
 *                  its WAL sender's application_name on the publisher), used to name peers on both sides
 */
record LinkReading(Link link, String upstream, String position, String alias) {

    LinkReading(Link link, String upstream, String position) {
        this(link, upstream, position, null);
    }
}
