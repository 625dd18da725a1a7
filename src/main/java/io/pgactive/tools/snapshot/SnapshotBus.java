package io.pgactive.tools.snapshot;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.smallrye.mutiny.subscription.BackPressureFailure;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * In-memory broadcast of published snapshots. The latest one is readable at any time without waiting; subscribers get
 * every later one, each through its own bounded buffer so a slow consumer cannot hold back the publisher or the others.
 */
@ApplicationScoped
public class SnapshotBus {

    private static final Logger LOG = Logger.getLogger(SnapshotBus.class);

    /** How many versions a subscriber may fall behind before the oldest pending ones are dropped. */
    public static final int SUBSCRIBER_BUFFER = 64;

    private final AtomicReference<PublishedSnapshot> latest = new AtomicReference<>();
    private final BroadcastProcessor<PublishedSnapshot> processor = BroadcastProcessor.create();

    /** Called by the collector only, one version at a time and in version order. */
    public void publish(PublishedSnapshot snapshot) {
        PublishedSnapshot before = latest.get();
        if (before != null && snapshot.version() <= before.version()) {
            throw new IllegalStateException("version " + snapshot.version() + " published after " + before.version());
        }
        latest.set(snapshot);
        processor.onNext(snapshot);
    }

    public Optional<PublishedSnapshot> latest() {
        return Optional.ofNullable(latest.get());
    }

    /**
     * Every snapshot published after subscription. A consumer that falls more than {@value #SUBSCRIBER_BUFFER}
     * versions behind receives a {@link BackPressureFailure} instead of unbounded
     * buffering: it knows it missed versions and resynchronises from {@link #latest()}.
     */
    public Multi<PublishedSnapshot> stream() {
        return processor.onOverflow().buffer(SUBSCRIBER_BUFFER);
    }

    /**
     * Follows the bus for a consumer that must stay current: every later snapshot, in order, on {@code executor}
     * (or on the publishing thread when null, for consumers that only hand off). A consumer that falls more than
     * {@value #SUBSCRIBER_BUFFER} versions behind is given the latest snapshot and followed again, so it sees a
     * version gap instead of unbounded buffering; consumers ignore versions they already have.
     *
     * @param name for the log line when the consumer falls behind
     */
    public Cancellable follow(String name, Executor executor, Consumer<PublishedSnapshot> consumer) {
        Follower follower = new Follower(name, executor, consumer);
        follower.subscribe();
        return follower;
    }

    private final class Follower implements Cancellable {

        private final String name;
        private final Executor executor;
        private final Consumer<PublishedSnapshot> consumer;
        private volatile boolean cancelled;
        private volatile Cancellable current;

        Follower(String name, Executor executor, Consumer<PublishedSnapshot> consumer) {
            this.name = name;
            this.executor = executor;
            this.consumer = consumer;
        }

        void subscribe() {
            Multi<PublishedSnapshot> snapshots =
                    executor == null ? stream() : stream().emitOn(executor);
            current = snapshots.subscribe().with(consumer, failure -> {
                if (cancelled) {
                    return;
                }
                LOG.warnf("%s fell behind the snapshot bus (%s); continuing from the latest snapshot", name, failure);
                latest().ifPresent(consumer);
                subscribe();
            });
        }

        @Override
        public void cancel() {
            cancelled = true;
            Cancellable c = current;
            if (c != null) {
                c.cancel();
            }
        }
    }
}
