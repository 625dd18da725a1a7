package io.pgactive.tools.contract;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;

/**
 * One meaningful change between two consecutive snapshots, or a decision recorded alongside them
 * ({@code GET /events}).
 *
 * @param id      the history database's id, newest highest; {@code null} until the event is stored
 * @param node    {@code null} for cluster-wide events
 * @param from    the value before the change (a status, a level, a phase), {@code null} when there was none
 * @param to      the value after the change
 * @param details a small JSON object with the figures behind the change, as JSON text, or {@code null}
 */
public record Event(
        Long id,
        Instant at,
        long version,
        String node,
        EventType type,
        String from,
        String to,
        @JsonRawValue String details) {

    /** An event not stored yet. */
    public static Event of(
            Instant at, long version, String node, EventType type, String from, String to, String details) {
        return new Event(null, at, version, node, type, from, to, details);
    }
}
