package io.pgactive.tools.snapshot;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * In-memory broadcast of published snapshots. The latest one is readable at any time without waiting; subscribers get
 * every later one, each through its own bounded buffer so a slow consumer cannot hold back the publisher or the others.
 */
@ApplicationScoped
public class SnapshotBus {

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
     * versions behind receives a {@link io.smallrye.mutiny.subscription.BackPressureFailure} instead of unbounded
     * buffering: it knows it missed versions and resynchronises from {@link #latest()}.
     */
    public Multi<PublishedSnapshot> stream() {
        return processor.onOverflow().buffer(SUBSCRIBER_BUFFER);
    }
}
