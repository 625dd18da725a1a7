package io.pgactive.tools.workflow;

import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.smallrye.mutiny.subscription.Cancellable;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** {@link ReplicationActivities} for workers hosted in the service: reads the snapshot bus, no HTTP. */
@ApplicationScoped
public class InProcessReplicationActivities implements ReplicationActivities {

    static final long HEARTBEAT_MILLIS = 5_000;

    @Inject
    SnapshotBus bus;

    @Override
    public LagSummary fetchReplicationSnapshot() {
        return bus.latest().map(p -> LagSummary.of(p.snapshot()))
                .orElseThrow(() -> ApplicationFailure.newFailure("no snapshot yet: the first scrape cycle has not finished",
                        "NoSnapshotYet"));
    }

    @Override
    public LagSummary awaitCaughtUp(LagCondition condition) {
        ActivityExecutionContext ctx = Activity.getExecutionContext();
        long holdingSince = ctx.getHeartbeatDetails(AwaitProgress.class).map(AwaitProgress::holdingSinceMillis).orElse(0L);
        // only the newest snapshot matters: a full one-slot queue is replaced, never waited on
        BlockingQueue<PublishedSnapshot> newest = new ArrayBlockingQueue<>(1);
        Cancellable subscription = bus.follow("await caught up", null, p -> {
            newest.clear();
            newest.offer(p);
        });
        try {
            bus.latest().ifPresent(newest::offer);
            LagSummary last = null;
            while (true) {
                PublishedSnapshot p = newest.poll(HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
                if (p != null) {
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
