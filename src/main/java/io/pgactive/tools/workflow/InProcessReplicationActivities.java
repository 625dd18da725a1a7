package io.pgactive.tools.workflow;

import io.pgactive.tools.contract.temporal.LagCondition;
import io.pgactive.tools.contract.temporal.LagSummary;
import io.pgactive.tools.contract.temporal.ReplicationActivities;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.quarkiverse.temporal.TemporalActivity;
import io.smallrye.mutiny.subscription.Cancellable;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@link ReplicationActivities} for workers hosted in the service: reads the snapshot bus, no HTTP. */
@ApplicationScoped
// in no worker of the Temporal extension: TemporalWorker registers it on a factory of its own when enabled, and the
// extension would build its worker, and with it the client and its gRPC stubs, at every start
@TemporalActivity(workers = {})
public class InProcessReplicationActivities implements ReplicationActivities {

    static final long HEARTBEAT_MILLIS = 5_000;

    @Inject
    SnapshotBus bus;

    @Override
    public LagSummary fetchReplicationSnapshot() {
        return bus.latest()
                .map(p -> LagSummary.of(p.snapshot()))
                .orElseThrow(() -> ApplicationFailure.newFailure(
                        "no snapshot yet: the first scrape cycle has not finished", "NoSnapshotYet"));
    }

    @Override
    public LagSummary awaitCaughtUp(LagCondition condition) {
        ActivityExecutionContext ctx = Activity.getExecutionContext();
        long holdingSince = ctx.getHeartbeatDetails(AwaitProgress.class)
                .map(AwaitProgress::holdingSinceMillis)
                .orElse(0L);
        // every version in order: skipping one could skip the moment the condition broke. Bounded; a reader that
        // falls this far behind cannot vouch for the time in between and starts the hold time over.
        BlockingQueue<PublishedSnapshot> pending = new ArrayBlockingQueue<>(SnapshotBus.SUBSCRIBER_BUFFER);
        AtomicBoolean overflowed = new AtomicBoolean();
        Cancellable subscription = bus.follow("await caught up", null, p -> {
            if (!pending.offer(p)) {
                overflowed.set(true);
            }
        });
        try {
            bus.latest().ifPresent(pending::offer);
            LagSummary last = null;
            while (true) {
                PublishedSnapshot p = pending.poll(HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
                if (overflowed.getAndSet(false)) {
                    holdingSince = 0;
                    pending.clear();
                    p = bus.latest().orElse(p);
                }
                if (p != null && (last == null || p.version() > last.version())) {
                    last = LagSummary.of(p.snapshot());
                    if (!last.caughtUp(condition.nodes(), condition.maxLagSeconds())) {
                        holdingSince = 0;
                    } else if (holdingSince == 0) {
                        holdingSince = last.collectedAtMillis();
                    }
                    if (holdingSince != 0 && last.collectedAtMillis() - holdingSince >= condition.holdMillis()) {
                        return last;
                    }
                }
                // also the cancellation point: heartbeat throws once the workflow cancels this activity
                ctx.heartbeat(new AwaitProgress(holdingSince, last));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApplicationFailure.newFailure("interrupted while waiting for replication to catch up", "Interrupted");
        } finally {
            subscription.cancel();
        }
    }
}
