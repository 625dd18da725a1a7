package io.pgactive.tools.api.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON Merge Patch (RFC 7386) computation. A merge patch cannot set a member to {@code null} (null means "remove"),
 * so the stream works on the canonical form of a document: object members whose value is null are left out, which
 * every typed reader treats the same as an explicit null. Arrays are replaced whole, as the RFC says, and kept
 * verbatim.
 */
public final class MergePatch {

    private MergePatch() {
    }

    /** The document without null object members (recursively through objects, arrays untouched). */
    public static ObjectNode canonical(ObjectNode doc) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isNull()) {
                continue;
            }
            out.set(e.getKey(), v.isObject() ? canonical((ObjectNode) v) : v);
        }
        return out;
    }

    /** The patch that turns canonical {@code from} into canonical {@code to}; empty when they are equal. */
    public static ObjectNode diff(ObjectNode from, ObjectNode to) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        for (Iterator<String> it = from.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!to.has(name)) {
                patch.putNull(name);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = to.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode before = from.get(e.getKey());
            JsonNode after = e.getValue();
            if (before == null || !before.equals(after)) {
                if (before != null && before.isObject() && after.isObject()) {
                    patch.set(e.getKey(), diff((ObjectNode) before, (ObjectNode) after));
                } else {
                    patch.set(e.getKey(), after);
                }
            }
        }
        return patch;
    }
}
