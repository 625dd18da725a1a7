package io.pgactive.tools.collect;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Lag in time from WAL positions, which a stateless exporter cannot compute: for every node it remembers when each
 * WAL position was first seen, so a downstream position maps to "how long ago did the upstream move past it".
 * <ul>
 *   <li>idle: the upstream did not move, the downstream is at its position → lag 0;</li>
 *   <li>stalled: the upstream moved and the downstream position did not for {@code stallAfter} → flagged, and the lag
 *       keeps growing every cycle.</li>
 * </ul>
 * Resolution is one scrape interval. History per node is bounded by count; when a downstream is further behind than
 * the history reaches, the lag reported is a lower bound (the age of the oldest sample). Confined to the collector's
 * cycle, which runs one at a time.
 */
final class LagClock {

    private static final int MAX_SAMPLES = 4096;

    private record Sample(Instant at, long lsn) {}

    private record Progress(long position, Instant since) {}

    private final Duration stallAfter;
    private final Map<String, ArrayDeque<Sample>> history = new HashMap<>();
    private final Map<String, Progress> progress = new HashMap<>();
    /** Each node's latest reading, whether or not its position moved: the "now" of lags measured against it. */
    private final Map<String, Sample> latest = new HashMap<>();

    LagClock(Duration stallAfter) {
        this.stallAfter = stallAfter;
    }

    /** Records a node's current WAL position (its write position on a primary, receive position on a standby). */
    void record(String node, Instant at, long lsn) {
        if (lsn < 0) {
            return;
        }
        latest.put(node, new Sample(at, lsn));
        ArrayDeque<Sample> samples = history.computeIfAbsent(node, n -> new ArrayDeque<>());
        Sample last = samples.peekLast();
        if (last != null && Long.compareUnsigned(lsn, last.lsn()) < 0) {
            // the node's WAL went backwards: a different server answers at that address (restore, failover)
            samples.clear();
        }
        if (last == null || Long.compareUnsigned(lsn, last.lsn()) > 0 || samples.isEmpty()) {
            samples.addLast(new Sample(at, lsn));
            while (samples.size() > MAX_SAMPLES) {
                samples.removeFirst();
            }
        }
    }

    /** Seconds since the upstream first had WAL beyond {@code position}; 0 when the downstream has caught up. */
    Double lagSeconds(String upstream, Instant now, long position) {
        ArrayDeque<Sample> samples = history.get(upstream);
        if (samples == null || samples.isEmpty() || position < 0) {
            return null;
        }
        for (Sample s : samples) {
            if (Long.compareUnsigned(s.lsn(), position) > 0) {
                return Math.max(0, Duration.between(s.at(), now).toMillis() / 1000.0);
            }
        }
        return 0.0;
    }

    /** Whether a link whose downstream sits at {@code position} has made no progress while behind for {@code stallAfter}. */
    boolean stalled(String linkKey, String upstream, Instant now, long position) {
        ArrayDeque<Sample> samples = history.get(upstream);
        boolean behind = samples != null
                && !samples.isEmpty()
                && position >= 0
                && Long.compareUnsigned(samples.peekLast().lsn(), position) > 0;
        if (!behind) {
            progress.remove(linkKey);
            return false;
        }
        Progress before = progress.get(linkKey);
        if (before == null || before.position() != position) {
            progress.put(linkKey, new Progress(position, now)); // behind, but moving: the stall clock restarts
            return false;
        }
        return Duration.between(before.since(), now).compareTo(stallAfter) >= 0;
    }

    /** When {@code node} was last read, on its own clock; null before its first reading. */
    Instant readAt(String node) {
        Sample s = latest.get(node);
        return s == null ? null : s.at();
    }

    /** WAL bytes the upstream had beyond {@code position} at its latest reading; null before its first reading. */
    Long bytesBehind(String upstream, long position) {
        Sample s = latest.get(upstream);
        if (s == null || position < 0) {
            return null;
        }
        return Long.compareUnsigned(s.lsn(), position) > 0 ? s.lsn() - position : 0L;
    }

    /** Drops every remembered position of nodes and links that are no longer configured. */
    void retainOnly(Set<String> nodes) {
        history.keySet().retainAll(nodes);
        latest.keySet().retainAll(nodes);
        progress.keySet().removeIf(k -> !nodes.contains(k.substring(0, k.indexOf('|'))));
    }
}
