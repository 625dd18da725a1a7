package io.pgactive.tools.snapshot;

import java.time.Instant;

/**
 * One replication relationship seen from the scraped node. {@code outbound} links are measured on the upstream
 * (WAL sender, slot): byte lag is exact there. {@code inbound} links are the downstream's view (WAL receiver,
 * subscription worker, pgactive apply worker). Any value the server could not provide is {@code null}.
 *
 * @param peer          the other node: a configured node name when it could be resolved, else what the server calls it
 *                      (application_name, slot or subscription name)
 * @param kind          {@code pgactive}, {@code streaming} or {@code logical}
 * @param direction     {@code outbound} or {@code inbound}
 * @param state         the server's word for the link (e.g. {@code streaming}, {@code catchup}, {@code stopped})
 * @param active        whether a WAL sender / receiver / apply worker is running for it
 * @param lagSeconds    time since the oldest change not yet replayed downstream was written upstream, from the
 *                      collector's own position history (0 when caught up, growing while stalled)
 * @param lagBytes      WAL bytes not yet replayed downstream
 * @param stalled       upstream WAL moved but the downstream position did not for longer than {@code stall_after}
 * @param lagXid        transactions the link still holds back: the age of the link slot's {@code catalog_xmin}
 *                      (pgactive and native logical; legacy pgactive reports sent minus applied xid)
 * @param slot          the replication slot or subscription that identifies the link among others to the same peer
 *                      ({@code null} for a standby that streams without a slot)
 * <p>
 * A link's values were read in the same scrape as its node's: the node's {@code read_at} is their time. Not repeating
 * it per link keeps an unchanged link identical from one version to the next, so deltas of idle links are empty.
 */
public record Link(
        String peer,
        String kind,
        String direction,
        String state,
        Boolean active,
        String syncState,
        Double lagSeconds,
        Long lagBytes,
        Long lagXid,
        Long pendingWalDecoding,
        Long pendingWalToApply,
        String sentLsn,
        String writeLsn,
        String flushLsn,
        String replayLsn,
        Boolean stalled,
        Instant lastAppliedAt,
        Long applyErrors,
        Long conflicts,
        String slot) {

    public static final String OUTBOUND = "outbound";
    public static final String INBOUND = "inbound";

    /** A link without a known slot. */
    public Link(String peer, String kind, String direction, String state, Boolean active, String syncState,
                Double lagSeconds, Long lagBytes, Long lagXid, Long pendingWalDecoding, Long pendingWalToApply,
                String sentLsn, String writeLsn, String flushLsn, String replayLsn, Boolean stalled,
                Instant lastAppliedAt, Long applyErrors, Long conflicts) {
        this(peer, kind, direction, state, active, syncState, lagSeconds, lagBytes, lagXid, pendingWalDecoding,
                pendingWalToApply, sentLsn, writeLsn, flushLsn, replayLsn, stalled, lastAppliedAt, applyErrors,
                conflicts, null);
    }

    /** What tells this link apart from every other link of its node. */
    public String identity() {
        return kind + "|" + direction + "|" + peer + "|" + (slot == null ? "" : slot);
    }

    public Link withPeer(String name) {
        return new Link(name, kind, direction, state, active, syncState, lagSeconds, lagBytes, lagXid, pendingWalDecoding,
                pendingWalToApply, sentLsn, writeLsn, flushLsn, replayLsn, stalled, lastAppliedAt, applyErrors,
                conflicts, slot);
    }

    public Link withLag(Double seconds, Boolean isStalled) {
        return new Link(peer, kind, direction, state, active, syncState, seconds, lagBytes, lagXid, pendingWalDecoding,
                pendingWalToApply, sentLsn, writeLsn, flushLsn, replayLsn, isStalled, lastAppliedAt, applyErrors,
                conflicts, slot);
    }

    public Link withLagBytes(Long bytes) {
        return new Link(peer, kind, direction, state, active, syncState, lagSeconds, bytes, lagXid, pendingWalDecoding,
                pendingWalToApply, sentLsn, writeLsn, flushLsn, replayLsn, stalled, lastAppliedAt, applyErrors,
                conflicts, slot);
    }

    public Link withLagXid(Long xid) {
        return new Link(peer, kind, direction, state, active, syncState, lagSeconds, lagBytes, xid, pendingWalDecoding,
                pendingWalToApply, sentLsn, writeLsn, flushLsn, replayLsn, stalled, lastAppliedAt, applyErrors,
                conflicts, slot);
    }

    /** The same link, its sender or worker gone: inactive, its positions the last ones seen. */
    public Link disconnected() {
        return new Link(peer, kind, direction, "disconnected", false, null, lagSeconds, lagBytes, lagXid,
                pendingWalDecoding, null, sentLsn, writeLsn, flushLsn, replayLsn, stalled, lastAppliedAt, applyErrors,
                conflicts, slot);
    }
}
