package io.pgactive.tools.snapshot;

import java.time.Instant;

/**
 * A snapshot together with its JSON, encoded once when published and shared by every reader.
 *
 * @param publishedAt when the snapshot became visible on the bus
 */
public record PublishedSnapshot(Snapshot snapshot, byte[] json, Instant publishedAt) {

    public long version() {
        return snapshot.version();
    }

    /** A strong entity tag derived from the version: two readers of one version always see the same bytes. */
    public String etag() {
        return "\"" + snapshot.version() + "\"";
    }
}
