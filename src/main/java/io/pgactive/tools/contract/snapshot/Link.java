package io.pgactive.tools.contract.snapshot;

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

    /** A link measured on its upstream (WAL sender, slot): {@code kind} is {@code pgactive}, {@code streaming} or {@code logical}. */
    public static Builder outbound(String kind, String peer) {
        return new Builder(peer, kind, OUTBOUND);
    }

    /** A link seen from its downstream (WAL receiver, subscription, apply worker). */
    public static Builder inbound(String kind, String peer) {
        return new Builder(peer, kind, INBOUND);
    }

    /** A builder holding this link's values, to change a few. */
    public Builder toBuilder() {
        Builder b = new Builder(peer, kind, direction);
        b.state = state;
        b.active = active;
        b.syncState = syncState;
        b.lagSeconds = lagSeconds;
        b.lagBytes = lagBytes;
        b.lagXid = lagXid;
        b.pendingWalDecoding = pendingWalDecoding;
        b.pendingWalToApply = pendingWalToApply;
        b.sentLsn = sentLsn;
        b.writeLsn = writeLsn;
        b.flushLsn = flushLsn;
        b.replayLsn = replayLsn;
        b.stalled = stalled;
        b.lastAppliedAt = lastAppliedAt;
        b.applyErrors = applyErrors;
        b.conflicts = conflicts;
        b.slot = slot;
        return b;
    }

    /** What tells this link apart from every other link of its node. */
    public String identity() {
        return kind + "|" + direction + "|" + peer + "|" + (slot == null ? "" : slot);
    }

    public Link withPeer(String name) {
        return toBuilder().peer(name).build();
    }

    public Link withLag(Double seconds, Boolean isStalled) {
        return toBuilder().lagSeconds(seconds).stalled(isStalled).build();
    }

    public Link withLagBytes(Long bytes) {
        return toBuilder().lagBytes(bytes).build();
    }

    public Link withLagXid(Long xid) {
        return toBuilder().lagXid(xid).build();
    }

    /** The same link, its sender or worker gone: inactive, its positions the last ones seen. */
    public Link disconnected() {
        return toBuilder()
                .state("disconnected")
                .active(false)
                .syncState(null)
                .pendingWalToApply(null)
                .build();
    }

    /** Values not set stay {@code null}: unknown, as the server did not provide them. */
    public static final class Builder {
        private String peer;
        private final String kind;
        private final String direction;
        private String state;
        private Boolean active;
        private String syncState;
        private Double lagSeconds;
        private Long lagBytes;
        private Long lagXid;
        private Long pendingWalDecoding;
        private Long pendingWalToApply;
        private String sentLsn;
        private String writeLsn;
        private String flushLsn;
        private String replayLsn;
        private Boolean stalled;
        private Instant lastAppliedAt;
        private Long applyErrors;
        private Long conflicts;
        private String slot;

        private Builder(String peer, String kind, String direction) {
            this.peer = peer;
            this.kind = kind;
            this.direction = direction;
        }

        public Builder peer(String name) {
            this.peer = name;
            return this;
        }

        public Builder state(String value) {
            this.state = value;
            return this;
        }

        public Builder active(Boolean value) {
            this.active = value;
            return this;
        }

        public Builder syncState(String value) {
            this.syncState = value;
            return this;
        }

        public Builder lagSeconds(Double value) {
            this.lagSeconds = value;
            return this;
        }

        public Builder lagBytes(Long value) {
            this.lagBytes = value;
            return this;
        }

        public Builder lagXid(Long value) {
            this.lagXid = value;
            return this;
        }

        public Builder pendingWalDecoding(Long value) {
            this.pendingWalDecoding = value;
            return this;
        }

        public Builder pendingWalToApply(Long value) {
            this.pendingWalToApply = value;
            return this;
        }

        /** The sender's sent, and the receiver's written, flushed and replayed positions; any may be null. */
        public Builder positions(String sent, String write, String flush, String replay) {
            this.sentLsn = sent;
            this.writeLsn = write;
            this.flushLsn = flush;
            this.replayLsn = replay;
            return this;
        }

        public Builder stalled(Boolean value) {
            this.stalled = value;
            return this;
        }

        public Builder lastAppliedAt(Instant value) {
            this.lastAppliedAt = value;
            return this;
        }

        public Builder applyErrors(Long value) {
            this.applyErrors = value;
            return this;
        }

        public Builder conflicts(Long value) {
            this.conflicts = value;
            return this;
        }

        public Builder slot(String value) {
            this.slot = value;
            return this;
        }

        public Link build() {
            return new Link(
                    peer,
                    kind,
                    direction,
                    state,
                    active,
                    syncState,
                    lagSeconds,
                    lagBytes,
                    lagXid,
                    pendingWalDecoding,
                    pendingWalToApply,
                    sentLsn,
                    writeLsn,
                    flushLsn,
                    replayLsn,
                    stalled,
                    lastAppliedAt,
                    applyErrors,
                    conflicts,
                    slot);
        }
    }
}
