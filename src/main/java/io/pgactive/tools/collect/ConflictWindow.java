package io.pgactive.tools.collect;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * Conflicts seen on one node in the last minute, for the {@code conflicts_warn} rate threshold. Bounded: entries are
 * grouped per observation and older ones are dropped, so a conflict storm cannot grow memory.
 */
final class ConflictWindow {

    static final Duration WINDOW = Duration.ofMinutes(1);
    private static final int MAX_ENTRIES = 4096;

    private record Entry(Instant at, long count) {}

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();

    void add(Instant at, long count) {
        if (count <= 0) {
            return;
        }
        entries.addLast(new Entry(at, count));
        while (entries.size() > MAX_ENTRIES) {
            entries.removeFirst();
        }
    }

    int lastMinute(Instant now) {
        Instant from = now.minus(WINDOW);
        while (!entries.isEmpty() && !entries.peekFirst().at().isAfter(from)) {
            entries.removeFirst();
        }
        long sum = 0;
        for (Entry e : entries) {
            sum += e.count();
        }
        return (int) Math.min(Integer.MAX_VALUE, sum);
    }

    void clear() {
        entries.clear();
    }
}
