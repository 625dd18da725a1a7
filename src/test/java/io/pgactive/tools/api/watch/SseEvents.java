package io.pgactive.tools.api.watch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A strict reader of SSE text for tests: every event, with its raw data size. */
public final class SseEvents {

    public record Event(String event, String data, String id, String retry) {
        public int dataBytes() {
            return data.getBytes(StandardCharsets.UTF_8).length;
        }
    }

    private SseEvents() {}

    public static List<Event> parse(byte[] bytes) {
        return parse(new String(bytes, StandardCharsets.UTF_8));
    }

    public static List<Event> parse(String text) {
        List<Event> out = new ArrayList<>();
        String event = null;
        String data = null;
        String id = null;
        String retry = null;
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                if (data != null || retry != null) {
                    out.add(new Event(event, data, id, retry));
                }
                event = data = id = retry = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(": ");
            String field = line.substring(0, colon);
            String value = line.substring(colon + 2);
            switch (field) {
                case "event" -> event = value;
                case "id" -> id = value;
                case "retry" -> retry = value;
                case "data" -> {
                    if (data != null) {
                        throw new AssertionError("more than one data line in an event");
                    }
                    data = value;
                }
                default -> throw new AssertionError("unexpected field " + field);
            }
        }
        return out;
    }
}
