package io.pgactive.tools.snapshot;

/**
 * What the history of published snapshots already holds, for a collector that starts again: the version to continue
 * after, so versions never repeat across restarts, and each node's last recorded conflict, so conflicts are not counted
 * twice. The history store implements it; the collector reads it without knowing the store.
 */
public interface PublishedHistory {

    VersionSequence.Mark versionMark();

    /** The last conflict of {@code node} already recorded, 0 when there is none. */
    long conflictCursor(String node);
}
