package io.pgactive.tools.contract.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON Merge Patch (RFC 7386): {@link #diff} on the service's side of {@code /watch}, {@link #apply} on the client's,
 * one implementation so the two cannot drift apart. Unlike the records of {@code io.pgactive.tools.contract} it works on
 * Jackson trees and so needs jackson-databind, which every reader of the stream has anyway. A merge patch cannot set a member to {@code null} (null means "remove"),
 * so the stream works on the canonical form of a document: object members whose value is null are left out, which
 * every typed reader treats the same as an explicit null. Objects inside arrays lose their null members too: arrays
 * are replaced whole (as the RFC says), so a link list resent on every change stays as small as it can be.
 */
public final class MergePatch {

    private MergePatch() {}

    /**
     * The document without null object members, at any depth; null array elements stay (they keep positions). The
     * members are removed where they are, so the document is changed in place and returned: copy it first when
     * someone else holds it. Stripping in place spares the service a second tree for every version it publishes.
     */
    public static ObjectNode canonical(ObjectNode doc) {
        for (Iterator<JsonNode> it = doc.elements(); it.hasNext(); ) {
            JsonNode value = it.next();
            if (value.isNull()) {
                it.remove();
            } else {
                canonicalValue(value);
            }
        }
        return doc;
    }

    private static void canonicalValue(JsonNode value) {
        if (value.isObject()) {
            canonical((ObjectNode) value);
        } else if (value.isArray()) {
            value.forEach(MergePatch::canonicalValue);
        }
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

    /**
     * MergePatch(target, patch) as RFC 7386 defines it: members of an object patch replace, or with null remove, those
     * of the target, recursively; any other patch replaces the target. An object target is changed in place.
     */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode out =
                target != null && target.isObject() ? (ObjectNode) target : JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                out.remove(e.getKey());
            } else {
                out.set(e.getKey(), apply(out.get(e.getKey()), e.getValue()));
            }
        }
        return out;
    }
}
