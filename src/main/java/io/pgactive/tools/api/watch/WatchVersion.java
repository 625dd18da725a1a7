package io.pgactive.tools.api.watch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One published version as the stream sends it. Its delta frames are encoded once per node filter and shared by every
 * subscriber; the full state (for snapshots) is kept only while this is the latest version.
 */
final class WatchVersion {

    final long version;
    /** Merge patch from the previous version, or null when the previous version was not seen (no replay across). */
    final ObjectNode patch;
    private ObjectNode state;
    private final ConcurrentHashMap<NodeFilter, byte[]> deltas = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<NodeFilter, byte[]> snapshots = new ConcurrentHashMap<>();

    WatchVersion(long version, ObjectNode patch, ObjectNode state) {
        this.version = version;
        this.patch = patch;
        this.state = state;
    }

    byte[] delta(NodeFilter filter) {
        return deltas.computeIfAbsent(filter, f -> SseFrames.version("delta", version, f.apply(patch)));
    }

    synchronized byte[] snapshot(NodeFilter filter) {
        if (state == null) {
            throw new IllegalStateException("version " + version + " is no longer the latest");
        }
        return snapshots.computeIfAbsent(filter, f -> SseFrames.version("snapshot", version, f.apply(state)));
    }

    synchronized ObjectNode state() {
        return state;
    }

    synchronized void superseded() {
        state = null;
        snapshots.clear();
    }
}
