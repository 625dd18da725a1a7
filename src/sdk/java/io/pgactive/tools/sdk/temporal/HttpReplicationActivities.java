package io.pgactive.tools.sdk.temporal;

import io.pgactive.tools.contract.temporal.LagCondition;
import io.pgactive.tools.contract.temporal.LagSummary;
import io.pgactive.tools.contract.temporal.ReplicationActivities;
import io.pgactive.tools.sdk.ProblemException;
import io.pgactive.tools.sdk.ReplicationStateClient;
import io.pgactive.tools.sdk.ServiceUnreachableException;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@link ReplicationActivities} for a worker outside the service: the same activity names and payloads as the worker
 * the service hosts, read over HTTP with {@link ReplicationStateClient}. A team's own worker registers it next to its
 * workflows:
 *
 * <pre>{@code
 * ReplicationStateClient client = ReplicationStateClient.builder(URI.create("http://pgactive-tools:8080")).build();
 * worker.registerActivitiesImplementations(new HttpReplicationActivities(client));
 * }</pre>
 *
 * Workflows call it through {@code Workflow.newActivityStub(ReplicationActivities.class, options)}; give
 * {@code AwaitReplicationCaughtUp} a heartbeat timeout of about three poll intervals and a start-to-close timeout that
 * bounds the wait. The wait polls {@code GET /snapshot} with {@code If-None-Match}, so an unchanged snapshot costs a
 * 304; the hold time is measured on the snapshots' collection times, as the in-process activity measures it, and a
 * retried attempt resumes from its last heartbeat.
 */
public final class HttpReplicationActivities implements ReplicationActivities {

    /** The default pause between two reads of {@code /snapshot} while waiting. */
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(1);

    private final ReplicationStateClient client;
    private final Duration poll;

    public HttpReplicationActivities(ReplicationStateClient client) {
        this(client, DEFAULT_POLL);
    }

    public HttpReplicationActivities(ReplicationStateClient client, Duration poll) {
        this.client = Objects.requireNonNull(client);
        if (poll.isNegative() || poll.isZero()) {
            throw new IllegalArgumentException("poll must be positive: " + poll);
        }
        this.poll = poll;
    }

    @Override
    public LagSummary fetchReplicationSnapshot() {
        return LagSummary.of(read(null).orElseThrow());
    }

    @Override
    public LagSummary awaitCaughtUp(LagCondition condition) {
        ActivityExecutionContext ctx = Activity.getExecutionContext();
        Optional<AwaitProgress> resumed = ctx.getHeartbeatDetails(AwaitProgress.class);
        long holdingSince = resumed.map(AwaitProgress::holdingSinceMillis).orElse(0L);
        LagSummary last = resumed.map(AwaitProgress::last).orElse(null);
        while (true) {
            Optional<Snapshot> next;
            try {
                next = read(last == null ? null : last.version());
            } catch (ApplicationFailure e) {
                if (!e.isNonRetryable()) {
                    // an unreachable or not yet ready service cannot vouch for the time in between: the hold restarts
                    holdingSince = 0;
                    next = Optional.empty();
                } else {
                    throw e;
                }
            }
            if (next.isPresent()) {
                LagSummary summary = LagSummary.of(next.get());
                if (last == null || summary.version() > last.version()) {
                    last = summary;
                    if (!last.caughtUp(condition.nodes(), condition.maxLagSeconds())) {
                        holdingSince = 0;
                    } else if (holdingSince == 0) {
                        holdingSince = last.collectedAtMillis();
                    }
                    if (holdingSince != 0 && last.collectedAtMillis() - holdingSince >= condition.holdMillis()) {
                        return last;
                    }
                }
            }
            // also the cancellation point: heartbeat throws once the workflow cancels this activity
            ctx.heartbeat(new AwaitProgress(holdingSince, last));
            pause();
        }
    }

    /**
     * The snapshot, or empty while it is still {@code knownVersion}. Failures the next attempt may not see (service
     * unreachable, no snapshot yet, a 5xx) are retryable; any other answer is not.
     */
    private Optional<Snapshot> read(Long knownVersion) {
        try {
            return knownVersion == null ? Optional.of(client.getSnapshot()) : client.getSnapshotIfNewer(knownVersion);
        } catch (ServiceUnreachableException e) {
            throw ApplicationFailure.newFailure(e.getMessage(), "ServiceUnreachable");
        } catch (ProblemException e) {
            if (e.status() == 503) {
                throw ApplicationFailure.newFailure(e.getMessage(), "NoSnapshotYet");
            }
            if (e.status() >= 500) {
                throw ApplicationFailure.newFailure(e.getMessage(), "ServiceError");
            }
            throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), "ServiceRefused");
        }
    }

    private void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(poll.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApplicationFailure.newFailure("interrupted while waiting for replication to catch up", "Interrupted");
        }
    }
}
