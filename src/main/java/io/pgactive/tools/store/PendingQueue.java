package io.pgactive.tools.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Versions waiting for the writer, oldest first, kept within two bounds. Past {@code maxBytes} of snapshot JSON the
 * oldest versions are thinned (the newest always keeps its snapshot, so the latest state is never lost); past
 * {@code maxVersions} the oldest versions are dropped, their events and conflicts carried into the next one so no
 * event or conflict is ever lost. Not thread-safe: its owner calls it under its own lock.
 */
final class PendingQueue {

    private final long maxBytes;
    private final int maxVersions;
    private final ArrayDeque<PendingVersion> queue = new ArrayDeque<>();
    private long bytes;
    private long thinned;
    private long dropped;

    PendingQueue(long maxBytes, int maxVersions) {
        this.maxBytes = maxBytes;
        this.maxVersions = maxVersions;
    }

    void add(PendingVersion p) {
        queue.addLast(p);
        bytes += p.bytes();
        keepWithinBounds();
    }

    /** Removes and returns up to {@code max} of the oldest versions. */
    List<PendingVersion> take(int max) {
        List<PendingVersion> batch = new ArrayList<>(Math.min(max, queue.size()));
        while (!queue.isEmpty() && batch.size() < max) {
            PendingVersion p = queue.removeFirst();
            bytes -= p.bytes();
            batch.add(p);
        }
        return batch;
    }

    /** Puts a batch that could not be written back in front, in its order, then applies the bounds again. */
    void requeue(List<PendingVersion> batch) {
        for (int i = batch.size() - 1; i >= 0; i--) {
            PendingVersion p = batch.get(i);
            queue.addFirst(p);
            bytes += p.bytes();
        }
        keepWithinBounds();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    int size() {
        return queue.size();
    }

    /** Bytes of snapshot JSON held. */
    long bytes() {
        return bytes;
    }

    /** Versions thinned so far. */
    long thinned() {
        return thinned;
    }

    /** Versions dropped so far. */
    long dropped() {
        return dropped;
    }

    private void keepWithinBounds() {
        Iterator<PendingVersion> it = queue.iterator();
        while (bytes > maxBytes && it.hasNext()) {
            PendingVersion p = it.next();
            if (!p.thinned() && it.hasNext()) {
                bytes -= p.bytes();
                p.thin();
                thinned++;
            }
        }
        while (queue.size() > maxVersions) {
            PendingVersion oldest = queue.removeFirst();
            queue.peekFirst().absorb(oldest);
            bytes -= oldest.bytes();
            dropped++;
        }
    }
}
