package io.pgactive.tools.api.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.snapshot.NodeStatus;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One published version as the stream sends it. Its delta frames are encoded once per node filter and shared by every
 * subscriber; the full state (for snapshots) is kept only while this is the latest version. What a status filter
 * needs to encode a delta later (each node's status before and after, and the whole state of the few nodes whose
 * status changed) is kept for as long as the version is.
 */
final class WatchVersion {

    final long version;
    /** Merge patch from the previous version, or null when the previous version was not seen (no replay across). */
    final ObjectNode patch;
    private ObjectNode state;
    private final Map<String, NodeStatus> statusesBefore;
    private final Map<String, NodeStatus> statuses;
    private final ObjectNode changed;
    private final ConcurrentHashMap<NodeFilter, byte[]> deltas = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<NodeFilter, byte[]> snapshots = new ConcurrentHashMap<>();

    /**
     * @param previous the version before, or null when it was not seen (then there is no patch either)
     */
    WatchVersion(long version, ObjectNode patch, ObjectNode state, WatchVersion previous) {
        this.version = version;
        this.patch = patch;
        this.state = state;
        this.statuses = NodeFilter.statuses(state);
        this.statusesBefore = previous == null ? Map.of() : previous.statuses;
        this.changed = JsonNodeFactory.instance.objectNode();
        // without a previous version there is no delta to encode, so nothing to remember for one
        JsonNode nodes = previous == null ? JsonNodeFactory.instance.objectNode() : state.path("nodes");
        for (Iterator<Map.Entry<String, JsonNode>> it = nodes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (statuses.get(e.getKey()) != statusesBefore.get(e.getKey())) {
                changed.set(e.getKey(), e.getValue());
            }
        }
    }

    byte[] delta(NodeFilter filter) {
        return deltas.computeIfAbsent(filter, f -> SseFrames.version("delta", version,
                f.patch(patch, statusesBefore, statuses, changed)));
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
