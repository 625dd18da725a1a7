package io.pgactive.tools.api.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The {@code ?nodes=} selection: the cluster summary stays whole, {@code nodes} keeps only the selected names. */
record NodeFilter(Set<String> names) {

    static final NodeFilter ALL = new NodeFilter(null);

    static NodeFilter of(Iterable<String> names) {
        Set<String> set = new TreeSet<>();
        names.forEach(set::add);
        return new NodeFilter(java.util.Collections.unmodifiableSet(set));
    }

    ObjectNode apply(ObjectNode doc) {
        if (names == null || !doc.has("nodes")) {
            return doc;
        }
        ObjectNode out = doc.deepCopy();
        ObjectNode nodes = out.putObject("nodes");
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("nodes").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (names.contains(e.getKey())) {
                nodes.set(e.getKey(), e.getValue());
            }
        }
        if (nodes.isEmpty() && !doc.get("nodes").isEmpty()) {
            out.remove("nodes"); // a delta that touched only other nodes
        }
        return out;
    }
}
