package io.pgactive.tools.api.watch;

import io.vertx.core.Context;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The streams served by one event loop. The feed hands each new version to the group once; the group's event loop
 * then queues it on each of its streams and writes them in one pass. With a thousand streams on two loops that is two
 * cross-thread hand-offs per version instead of a thousand, and a stream's queue is touched by its own loop only, so
 * the feed never contends with a writing loop for a stream's lock.
 */
final class DrainGroup {

    private record Handoff(WatchVersion version, boolean gap) {}

    private final Context context;
    private final int maxHandoffs;
    private final ConcurrentLinkedQueue<Runnable> ready = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    // guarded by this: versions the loop has not fanned out yet
    private final ArrayDeque<Handoff> handoffs = new ArrayDeque<>();

    // event loop only
    private final List<WatchSubscriber> members = new ArrayList<>();

    DrainGroup(Context context, int maxHandoffs) {
        this.context = context;
        this.maxHandoffs = Math.max(1, maxHandoffs);
    }

    /**
     * Called by the feed, in version order; never blocks. A loop that stays stalled for {@code maxHandoffs} versions
     * loses them: its streams see the next version as a gap and resynchronise, so the backlog stays bounded.
     */
    void publish(WatchVersion v, boolean gap) {
        synchronized (this) {
            boolean dropped = handoffs.size() >= maxHandoffs;
            if (dropped) {
                handoffs.clear();
            }
            handoffs.add(new Handoff(v, gap || dropped));
        }
        wake();
    }

    /** Runs a stream's drain on this loop soon; for work that does not come with a new version. */
    void schedule(Runnable drain) {
        ready.add(drain);
        wake();
    }

    /** On this group's event loop. */
    void add(WatchSubscriber s) {
        members.add(s);
    }

    /** On this group's event loop. */
    void remove(WatchSubscriber s) {
        members.remove(s);
    }

    private void wake() {
        if (scheduled.compareAndSet(false, true)) {
            context.runOnContext(x -> run());
        }
    }

    private void run() {
        scheduled.set(false);
        List<Handoff> batch;
        synchronized (this) {
            batch = handoffs.isEmpty() ? List.of() : new ArrayList<>(handoffs);
            handoffs.clear();
        }
        if (!batch.isEmpty()) {
            // a copy: writing may end a stream, which leaves the list
            WatchSubscriber[] now = members.toArray(new WatchSubscriber[0]);
            for (Handoff h : batch) {
                for (WatchSubscriber s : now) {
                    s.offer(h.version(), h.gap());
                }
            }
            for (WatchSubscriber s : now) {
                s.drainNow();
            }
        }
        Runnable r;
        while ((r = ready.poll()) != null) {
            r.run();
        }
    }
}
