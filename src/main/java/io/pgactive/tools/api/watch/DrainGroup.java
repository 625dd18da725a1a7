package io.pgactive.tools.api.watch;

import io.vertx.core.Context;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The streams served by one event loop. A new version wakes each event loop once for all its streams instead of
 * once per stream: with a thousand streams on two loops, two tasks instead of a thousand.
 */
final class DrainGroup {

    private final Context context;
    private final ConcurrentLinkedQueue<Runnable> ready = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    DrainGroup(Context context) {
        this.context = context;
    }

    void schedule(Runnable drain) {
        ready.add(drain);
        if (scheduled.compareAndSet(false, true)) {
            context.runOnContext(x -> run());
        }
    }

    private void run() {
        scheduled.set(false);
        Runnable r;
        while ((r = ready.poll()) != null) {
            r.run();
        }
    }
}
