package io.pgactive.tools.api.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code ?nodes=} and {@code ?min_status=} selection: the cluster summary stays whole, {@code nodes} keeps only
 * the selected names whose status is at least {@code minStatus}.
 * <p>
 * Severity, lowest first: HEALTHY, DEGRADED, CRITICAL, DOWN; UNKNOWN ranks with DOWN, because a node the service
 * cannot vouch for is one a watcher of trouble must see. Membership by status changes from version to version: a node
 * that enters the selection arrives whole in the delta, one that leaves gets {@code null}, so the applied stream always
 * equals the selection applied to the snapshot of the same version.
 *
 * @param names     selected names, null for all
 * @param minStatus lowest status streamed, null for all
 */
record NodeFilter(Set<String> names, NodeStatus minStatus) {

    static final NodeFilter ALL = new NodeFilter(null, null);

    static NodeFilter of(Iterable<String> names) {
        return ALL.withNames(names);
    }

    NodeFilter withNames(Iterable<String> selected) {
        Set<String> set = new TreeSet<>();
        selected.forEach(set::add);
        return new NodeFilter(Collections.unmodifiableSet(set), minStatus);
    }

    NodeFilter withMinStatus(NodeStatus status) {
        return new NodeFilter(names, status);
    }

    /** The severity a status is filtered by: UNKNOWN ranks with DOWN. */
    static int severity(NodeStatus status) {
        return status == NodeStatus.UNKNOWN ? NodeStatus.DOWN.gauge() : status.gauge();
    }

    /** A {@code ?min_status=} value, any case; null when it names no status. */
    static NodeStatus parseStatus(String value) {
        try {
            return NodeStatus.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Each node's status in a canonical document; what status membership is decided on. */
    static Map<String, NodeStatus> statuses(ObjectNode doc) {
        Map<String, NodeStatus> out = new HashMap<>();
        JsonNode nodes = doc.get("nodes");
        if (nodes != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = nodes.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                NodeStatus s = parseStatus(e.getValue().path("status").asText("UNKNOWN"));
                out.put(e.getKey(), s == null ? NodeStatus.UNKNOWN : s);
            }
        }
        return out;
    }

    private boolean selects(String name, NodeStatus status) {
        return status != null
                && (names == null || names.contains(name))
                && (minStatus == null || severity(status) >= severity(minStatus));
    }

    /** A whole document (a snapshot) reduced to the selection. */
    ObjectNode apply(ObjectNode doc) {
        if (names == null && minStatus == null || !doc.has("nodes")) {
            return doc;
        }
        Map<String, NodeStatus> statuses = minStatus == null ? null : statuses(doc);
        ObjectNode out = doc.deepCopy();
        ObjectNode nodes = out.putObject("nodes");
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("nodes").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (selects(e.getKey(), statuses == null ? NodeStatus.UNKNOWN : statuses.get(e.getKey()))) {
                nodes.set(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /**
     * One version's merge patch reduced to the selection.
     *
     * @param before  each node's status at the previous version
     * @param after   each node's status at this version
     * @param changed the whole state, at this version, of every node whose status changed or that appeared
     */
    ObjectNode patch(
            ObjectNode patch, Map<String, NodeStatus> before, Map<String, NodeStatus> after, ObjectNode changed) {
        if (names == null && minStatus == null || !patch.has("nodes") && minStatus == null) {
            return patch;
        }
        ObjectNode out = patch.deepCopy();
        ObjectNode nodes = out.putObject("nodes");
        JsonNode given = patch.path("nodes");
        Set<String> touched = new LinkedHashSet<>();
        given.fieldNames().forEachRemaining(touched::add);
        if (minStatus != null) {
            changed.fieldNames().forEachRemaining(touched::add);
        }
        for (String name : touched) {
            boolean was = selects(
                    name, minStatus == null ? before.containsKey(name) ? NodeStatus.UNKNOWN : null : before.get(name));
            boolean is = selects(
                    name, minStatus == null ? after.containsKey(name) ? NodeStatus.UNKNOWN : null : after.get(name));
            if (was && is) {
                if (given.has(name)) {
                    nodes.set(name, given.get(name));
                }
            } else if (is) {
                nodes.set(name, changed.has(name) ? changed.get(name) : given.get(name));
            } else if (was) {
                nodes.putNull(name);
            }
        }
        if (nodes.isEmpty()) {
            out.remove("nodes"); // a delta that touched only other nodes
        }
        return out;
    }
}
