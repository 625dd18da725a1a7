package io.pgactive.tools.snapshot;

import io.pgactive.tools.contract.snapshot.Snapshot;
import java.time.Instant;
import java.util.List;

/**
 * A snapshot together with its JSON, encoded once when published and shared by every reader.
 *
 * @param publishedAt when the snapshot became visible on the bus
 * @param conflicts   conflict-history rows first seen in this cycle, for the history ledger (not in the JSON)
 */
public record PublishedSnapshot(Snapshot snapshot, byte[] json, Instant publishedAt, List<ConflictRecord> conflicts) {

    public PublishedSnapshot {
        conflicts = conflicts == null ? List.of() : List.copyOf(conflicts);
    }

    public PublishedSnapshot(Snapshot snapshot, byte[] json, Instant publishedAt) {
        this(snapshot, json, publishedAt, List.of());
    }

    public long version() {
        return snapshot.version();
    }

    /** A strong entity tag derived from the version: two readers of one version always see the same bytes. */
    public String etag() {
        return "\"" + snapshot.version() + "\"";
    }
}
