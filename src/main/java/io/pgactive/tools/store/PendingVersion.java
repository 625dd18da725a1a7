package io.pgactive.tools.store;

import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.snapshot.ClusterSummary;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.snapshot.ConflictRecord;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A published version waiting for the writer. Its summary, events and conflicts are always written; its snapshot
 * (JSON and per-node samples) may be thinned away while the store is behind, which is why those two are not final.
 * Owned by whichever holds it: the queue under its owner's lock, or the writer while it writes a batch.
 */
final class PendingVersion {

    final long version;
    final Instant at;
    final ClusterSummary cluster;
    final List<Event> events;
    final List<ConflictRecord> conflicts;
    private Snapshot snapshot;
    private byte[] json;

    PendingVersion(
            long version,
            Instant at,
            ClusterSummary cluster,
            Snapshot snapshot,
            byte[] json,
            List<Event> events,
            List<ConflictRecord> conflicts) {
        this.version = version;
        this.at = at;
        this.cluster = cluster;
        this.snapshot = snapshot;
        this.json = json;
        this.events = new ArrayList<>(events);
        this.conflicts = new ArrayList<>(conflicts);
    }

    static PendingVersion of(PublishedSnapshot p, List<Event> events) {
        Snapshot s = p.snapshot();
        return new PendingVersion(p.version(), s.collectedAt(), s.cluster(), s, p.json(), events, p.conflicts());
    }

    /** The full snapshot, {@code null} once thinned. */
    Snapshot snapshot() {
        return snapshot;
    }

    /** The snapshot's JSON as published, {@code null} once thinned. */
    byte[] json() {
        return json;
    }

    /** Bytes of JSON this version holds in memory. */
    int bytes() {
        return json == null ? 0 : json.length;
    }

    boolean thinned() {
        return json == null;
    }

    /** Drops the snapshot and its JSON, keeping the summary, events and conflicts. */
    void thin() {
        json = null;
        snapshot = null;
    }

    /** Takes over what a dropped older version had to say, ahead of this version's own events and conflicts. */
    void absorb(PendingVersion older) {
        events.addAll(0, older.events);
        conflicts.addAll(0, older.conflicts);
    }
}
