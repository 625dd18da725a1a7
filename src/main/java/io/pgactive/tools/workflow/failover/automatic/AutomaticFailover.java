package io.pgactive.tools.workflow.failover.automatic;

import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.failover.FailoverRequest;
import io.pgactive.tools.contract.failover.FailoverView;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.workflow.TemporalWorker;
import io.pgactive.tools.workflow.failover.FailoverService;
import io.pgactive.tools.workflow.failover.FailoverSettings;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The automatic failover policy: follows the snapshot bus and starts the failover workflow of a listed primary that
 * has failed long enough while a fit standby is up (see {@link TriggerRules}). It decides on the publishing thread,
 * which costs a few comparisons per listed primary, and starts the workflow on a thread of its own; what the start
 * found comes back through a queue that the next snapshot drains, so the per-primary state has one owner: the
 * follower. Off unless {@code pgactive.failover.automatic.enabled} and the primary is listed.
 */
@ApplicationScoped
public class AutomaticFailover {

    private static final Logger LOG = Logger.getLogger(AutomaticFailover.class);
    private static final int REASON_MAX = 500;

    private final AutomaticPolicy policy;
    private final Set<String> configured;
    private final SnapshotBus bus;
    private final TemporalWorker worker;
    private final FailoverService failovers;
    private final Event<AutomaticFailoverDecided> decided;
    private final Clock clock;

    /** Owned by the bus follower (one snapshot at a time). */
    private final Map<String, PrimaryWatch> watches = new HashMap<>();
    /** What the hand-offs found, applied by the follower before its next decision. */
    private final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

    private final AtomicInteger armed = new AtomicInteger();
    private ExecutorService starter;
    private Cancellable subscription;

    private record Outcome(String primary, UnaryOperator<PrimaryWatch> change) {}

    @Inject
    public AutomaticFailover(
            FailoverSettings settings,
            ToolsConfig config,
            SnapshotBus bus,
            TemporalWorker worker,
            FailoverService failovers,
            Event<AutomaticFailoverDecided> decided) {
        this.policy = AutomaticPolicy.of(settings);
        this.configured = config.collector().nodes().stream()
                .map(ToolsConfig.NodeConfig::name)
                .collect(Collectors.toUnmodifiableSet());
        this.bus = bus;
        this.worker = worker;
        this.failovers = failovers;
        this.decided = decided;
        this.clock = Clock.systemUTC();
    }

    /** A bad setting of the enabled policy stops start-up with one line naming it. */
    void onStart(@Observes StartupEvent event) {
        List<String> problems = policy.problems(configured);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.get(0));
        }
        if (!policy.enabled()) {
            return;
        }
        if (policy.primaries().isEmpty()) {
            LOG.warn("automatic failover is enabled but lists no primary (" + AutomaticPolicy.PREFIX
                    + "primaries): it acts on none");
            return;
        }
        if (!worker.enabled()) {
            LOG.warn("automatic failover is enabled but the Temporal worker is not: no failover can be started");
        }
        LOG.infof(
                "automatic failover armed for %s: after %d ms failing with a fit standby up, cooldown %d ms",
                policy.primaries(), policy.downForMillis(), policy.cooldownMillis());
        armed.set(policy.primaries().size());
        // one thread; at most one hand-off per primary is pending, so the queue never fills
        starter = new ThreadPoolExecutor(
                1,
                1,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(policy.primaries().size()),
                r -> {
                    Thread t = new Thread(r, "automatic-failover");
                    t.setDaemon(true);
                    return t;
                });
        subscription = bus.follow("automatic failover", null, this::onSnapshot);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (subscription != null) {
            subscription.cancel();
        }
        if (starter != null) {
            starter.shutdownNow();
        }
    }

    /** The primaries the policy may fail over now: listed, with no failover of theirs starting or in its cooldown. */
    public int armed() {
        return armed.get();
    }

    public AutomaticPolicy policy() {
        return policy;
    }

    private void onSnapshot(PublishedSnapshot published) {
        for (Outcome o; (o = outcomes.poll()) != null; ) {
            watches.put(o.primary(), o.change().apply(watches.getOrDefault(o.primary(), PrimaryWatch.NEW)));
        }
        Instant now = clock.instant();
        boolean connected = worker.state().connection() == TemporalWorker.Connection.CONNECTED;
        int ready = 0;
        for (String primary : policy.primaries()) {
            PrimaryWatch before = watches.getOrDefault(primary, PrimaryWatch.NEW);
            TriggerRules.Verdict v = TriggerRules.next(policy, primary, before, published.snapshot(), now, connected);
            watches.put(primary, v.watch());
            if (!v.watch().starting() && !v.watch().coolingDown(now, policy.cooldownMillis())) {
                ready++;
            }
            switch (v.action()) {
                case TRIGGER -> trigger(primary, v.detail());
                case HOLD -> {
                    if (v.report()) {
                        LOG.warnf(
                                "automatic failover of %s held back (%s): %s",
                                primary, v.reason().tag(), v.detail());
                        decided.fire(new AutomaticFailoverDecided(primary, v.reason()));
                    }
                }
                case IDLE -> {
                    if (before.downSince() != null) {
                        LOG.infof("automatic failover: %s is read again; its outage ended", primary);
                    }
                }
            }
        }
        armed.set(ready);
    }

    private void trigger(String primary, String reason) {
        LOG.warnf("automatic failover of %s: starting the failover workflow (%s)", primary, reason);
        String bounded = reason.length() > REASON_MAX ? reason.substring(0, REASON_MAX - 1) + "…" : reason;
        try {
            starter.execute(() -> start(primary, bounded));
        } catch (RuntimeException e) {
            LOG.errorf("automatic failover of %s: the start could not be handed off: %s", primary, e.getMessage());
            outcomes.add(new Outcome(primary, w -> w.startFailed(clock.instant().plusMillis(policy.downForMillis()))));
        }
    }

    /** On the starter thread: Temporal calls may wait on the network. */
    private void start(String primary, String reason) {
        Instant at = clock.instant();
        try {
            FailoverService.Begin begun = failovers.begin(new FailoverRequest(primary, false, null, reason));
            FailoverView v = begun.view();
            if (begun.how() == FailoverService.Begun.RUNNING) {
                LOG.warnf("automatic failover of %s: %s runs already; not starting another", primary, v.id());
                outcomes.add(new Outcome(primary, w -> w.foundRunning(at)));
                return;
            }
            if (begun.how() == FailoverService.Begun.COMPLETED_RECENTLY) {
                // a failover of this primary completed within pgactive.failover.rerun-after: the service answers
                // with it instead of running a new one
                LOG.errorf(
                        "automatic failover of %s: %s completed earlier and is still the answer for this primary"
                                + " (pgactive.failover.rerun-after); not started",
                        primary, v.id());
                outcomes.add(new Outcome(primary, w -> w.startFailed(at.plusMillis(policy.cooldownMillis()))));
                return;
            }
            LOG.warnf("automatic failover of %s: %s started", primary, v.id());
            decided.fire(new AutomaticFailoverDecided(primary, null));
            outcomes.add(new Outcome(primary, w -> w.started(at)));
        } catch (RuntimeException e) {
            LOG.errorf("automatic failover of %s: starting the workflow failed: %s", primary, e.getMessage());
            outcomes.add(new Outcome(primary, w -> w.startFailed(at.plusMillis(policy.downForMillis()))));
        }
    }
}
