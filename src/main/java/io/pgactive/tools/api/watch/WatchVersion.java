package io.pgactive.tools.api.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One published version as the stream sends it. Its delta frames are encoded once per node filter and shared by every
 * subscriber; the full state (for snapshots) is kept only while this is the latest version. What a filter needs to
 * encode a delta later (the merge patch, each node's status before and after, and the whole state of the few nodes
 * whose status changed) is kept for as long as the version is: as parsed trees while this is the latest version, then
 * as encoded JSON, because a parsed tree costs about ten times its encoding and the replay window holds hundreds of
 * versions.
 */
final class WatchVersion {

    /** The usual encoding of the changed nodes (none), shared by the versions that have it. */
    private static final byte[] NO_CHANGE = {'{', '}'};

    final long version;
    /** Whether there is a merge patch from the previous version (false when it was not seen: no replay across). */
    final boolean hasPatch;

    private ObjectNode state;
    private final Map<String, NodeStatus> statusesBefore;
    private final Map<String, NodeStatus> statuses;
    /** The merge patch and the changed nodes as trees while this is the latest version, then null. */
    private ObjectNode patch;

    private ObjectNode changed;
    /** Their encodings once superseded. */
    private byte[] patchJson;

    private byte[] changedJson;
    private final ConcurrentHashMap<NodeFilter, byte[]> deltas = new ConcurrentHashMap<>();
    private final AtomicLong deltaBytes = new AtomicLong();
    private final ConcurrentHashMap<NodeFilter, byte[]> snapshots = new ConcurrentHashMap<>();

    /**
     * @param previous the version before, or null when it was not seen (then there is no patch either)
     */
    WatchVersion(long version, ObjectNode patch, ObjectNode state, WatchVersion previous) {
        this.version = version;
        this.hasPatch = patch != null;
        this.patch = patch;
        this.state = state;
        this.statusesBefore = previous == null ? Map.of() : previous.statuses;
        Map<String, NodeStatus> now = NodeFilter.statuses(state);
        // statuses rarely change: the versions of the replay window share one map until they do
        this.statuses = now.equals(statusesBefore) ? statusesBefore : now;
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

    /** The delta frames for one filter; only for a version with a patch. */
    byte[] delta(NodeFilter filter) {
        byte[] frames = deltas.get(filter);
        if (frames != null) {
            return frames;
        }
        return deltas.computeIfAbsent(filter, f -> {
            ObjectNode[] trees = trees();
            byte[] encoded = SseFrames.version("delta", version, f.patch(trees[0], statusesBefore, statuses, trees[1]));
            deltaBytes.addAndGet(encoded.length);
            return encoded;
        });
    }

    /** The patch and the changed nodes: the trees while held, else parsed again from their encodings. */
    private ObjectNode[] trees() {
        byte[] p;
        byte[] c;
        synchronized (this) {
            if (patch != null) {
                return new ObjectNode[] {patch, changed};
            }
            p = patchJson;
            c = changedJson;
        }
        try {
            return new ObjectNode[] {
                (ObjectNode) SnapshotJson.MAPPER.readTree(p), (ObjectNode) SnapshotJson.MAPPER.readTree(c)
            };
        } catch (IOException e) {
            throw new UncheckedIOException("version " + version + ": its own encoding does not parse", e);
        }
    }

    /** Heap this version keeps for replay, in bytes of encoded JSON (the trees of the latest version not counted). */
    long retainedBytes() {
        synchronized (this) {
            return deltaBytes.get()
                    + (patchJson == null ? 0 : patchJson.length)
                    + (changedJson == null ? 0 : changedJson.length);
        }
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

    /** No longer the latest: the state goes, and what later deltas need is kept encoded. */
    void superseded() {
        ObjectNode p;
        ObjectNode c;
        synchronized (this) {
            state = null;
            snapshots.clear();
            p = patch;
            c = changed;
        }
        if (p == null) {
            return;
        }
        byte[] pj;
        byte[] cj;
        try {
            pj = SnapshotJson.MAPPER.writeValueAsBytes(p);
            cj = SnapshotJson.MAPPER.writeValueAsBytes(c);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (this) {
            patchJson = pj;
            changedJson = cj.length == NO_CHANGE.length && Arrays.equals(cj, NO_CHANGE) ? NO_CHANGE : cj;
            patch = null;
            changed = null;
        }
    }
}
