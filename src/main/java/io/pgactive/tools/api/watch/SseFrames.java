package io.pgactive.tools.api.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Turns one version's merge patch into SSE messages whose {@code data} is at most {@link #MAX_DATA} bytes.
 * <p>
 * A patch that is too large is split along its object members (per node first, then inside a node), each part
 * being a merge patch of its own, so applying the parts in order equals applying the whole. All parts but the last
 * are {@code <kind>-part} events without {@code id:}; the last is a {@code <kind>} event with {@code id: <version>},
 * so a client that resumes from its Last-Event-ID never stops half-way through a version. A single value that cannot
 * be split (a long array or string) is sent as {@code chunk} events carrying consecutive slices of the JSON text,
 * completed by the data of the next non-chunk event.
 */
public final class SseFrames {

    public static final int MAX_DATA = 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SseFrames() {}

    /** The SSE bytes of one version: {@code kind} is {@code delta} or {@code snapshot}. */
    public static byte[] version(String kind, long version, ObjectNode patch) {
        return version(kind, version, patch, MAX_DATA);
    }

    static byte[] version(String kind, long version, ObjectNode patch, int maxData) {
        List<String> parts = split(patch, maxData);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        for (int i = 0; i < parts.size(); i++) {
            boolean last = i == parts.size() - 1;
            message(out, last ? kind : kind + "-part", last ? Long.toString(version) : null, parts.get(i), maxData);
        }
        return out.toByteArray();
    }

    /** One named event with a small JSON payload and no id (heartbeat, reset, close, shutdown). */
    public static byte[] event(String name, String json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        message(out, name, null, json, MAX_DATA);
        return out.toByteArray();
    }

    private static void message(ByteArrayOutputStream out, String event, String id, String data, int maxData) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        int start = 0;
        while (bytes.length - start > maxData) {
            int end = start + maxData;
            while ((bytes[end] & 0xC0) == 0x80) {
                end--; // never cut a UTF-8 sequence: each slice must be valid text on its own
            }
            field(out, "event", "chunk");
            field(out, "data", new String(bytes, start, end - start, StandardCharsets.UTF_8));
            out.write('\n');
            start = end;
        }
        field(out, "event", event);
        if (id != null) {
            field(out, "id", id);
        }
        field(out, "data", new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8));
        out.write('\n');
    }

    private static void field(ByteArrayOutputStream out, String name, String value) {
        out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        out.write(':');
        out.write(' ');
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
    }

    /** Merge patches, each at most {@code max} bytes unless it holds one indivisible value, equal in sum to patch. */
    static List<String> split(ObjectNode patch, int max) {
        String whole = text(patch);
        List<String> out = new ArrayList<>();
        if (bytes(whole) <= max) {
            out.add(whole);
            return out;
        }
        StringBuilder pack = new StringBuilder();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = text(JSON.getNodeFactory().textNode(e.getKey()));
            String member = key + ":" + text(e.getValue());
            if (bytes(member) + 2 <= max) {
                if (pack.length() > 0 && bytes(pack) + 1 + bytes(member) + 2 > max) {
                    out.add("{" + pack + "}");
                    pack.setLength(0);
                }
                pack.append(pack.length() > 0 ? "," : "").append(member);
            } else if (e.getValue().isObject() && e.getValue().size() > 0) {
                int wrapper = bytes(key) + 3;
                for (String sub : split((ObjectNode) e.getValue(), Math.max(max - wrapper, 2))) {
                    out.add("{" + key + ":" + sub + "}");
                }
            } else {
                out.add("{" + member + "}");
            }
        }
        if (pack.length() > 0) {
            out.add("{" + pack + "}");
        }
        return out;
    }

    private static int bytes(CharSequence s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    static String text(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
