package io.pgactive.tools.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.json.MergePatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Applies the events of {@code GET /watch} and hands out only complete versions: parts of a version are held back
 * until the event that carries its id arrives, so a reader never sees half a version. Not thread-safe; feed it from
 * one thread, in stream order.
 */
public final class WatchState {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ObjectNode current;
    private long version = -1;
    private final List<JsonNode> parts = new ArrayList<>();
    private final StringBuilder chunk = new StringBuilder();
    private boolean snapshotting;
    private long heartbeatVersion = -1;
    private String closeReason;

    /**
     * Applies one SSE event. Returns the new complete state when this event completes a version, otherwise empty.
     *
     * @throws IllegalStateException when the stream breaks the protocol (a delta without a base state, or a delta
     *                               whose version is not the next one): the caller must reconnect without an id
     */
    public Optional<ObjectNode> apply(String event, String data, String id) {
        if ("chunk".equals(event)) {
            chunk.append(data);
            return Optional.empty();
        }
        String text = chunk.isEmpty() ? data : chunk.append(data).toString();
        chunk.setLength(0);
        switch (event) {
            case "reset" -> {
                parts.clear();
                snapshotting = true;
                return Optional.empty();
            }
            case "snapshot-part", "delta-part" -> {
                snapshotting = event.startsWith("snapshot");
                parts.add(parse(text));
                return Optional.empty();
            }
            case "snapshot", "delta" -> {
                parts.add(parse(text));
                long v = Long.parseLong(id);
                ObjectNode base;
                if (event.equals("snapshot")) {
                    base = JSON.createObjectNode();
                } else {
                    if (current == null || snapshotting) {
                        throw new IllegalStateException("delta " + v + " without a base snapshot");
                    }
                    if (v != version + 1) {
                        throw new IllegalStateException("delta " + v + " after version " + version);
                    }
                    base = current.deepCopy();
                }
                for (JsonNode p : parts) {
                    base = (ObjectNode) MergePatch.apply(base, p);
                }
                parts.clear();
                snapshotting = false;
                current = base;
                version = v;
                return Optional.of(current);
            }
            case "heartbeat" -> {
                heartbeatVersion = parse(text).path("version").asLong(-1);
                return Optional.empty();
            }
            case "close", "shutdown" -> {
                closeReason = event + ": " + parse(text).path("reason").asText();
                return Optional.empty();
            }
            default -> {
                return Optional.empty(); // unknown events are for newer clients
            }
        }
    }

    /** Forgets the parts of an unfinished version: the connection broke before its id arrived. */
    public void interrupted() {
        parts.clear();
        chunk.setLength(0);
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("malformed event data: " + e.getOriginalMessage(), e);
        }
    }

    /** The last complete version, or -1 before the first snapshot. */
    public long version() {
        return version;
    }

    /** The last complete state (null members left out, see the README), or null before the first snapshot. */
    public ObjectNode current() {
        return current;
    }

    /** The version named by the last heartbeat, or -1. */
    public long heartbeatVersion() {
        return heartbeatVersion;
    }

    /** Why the server ended the stream, when it said so. */
    public Optional<String> closeReason() {
        return Optional.ofNullable(closeReason);
    }
}
