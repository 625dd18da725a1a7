package io.pgactive.tools.workflow;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.pgactive.tools.retry.Backoff;
import io.pgactive.tools.workflow.failover.FailoverActivitiesImpl;
import io.pgactive.tools.workflow.failover.FailoverWorkflow;
import io.pgactive.tools.workflow.failover.ResyncWorkflow;
import io.pgactive.tools.workflow.guard.GuardActivitiesImpl;
import io.pgactive.tools.workflow.guard.ReplicationGuardWorkflow;
import io.pgactive.tools.workflow.upgrade.InitReplicationGroupWorkflow;
import io.pgactive.tools.workflow.upgrade.RollingUpgradeWorkflow;
import io.pgactive.tools.workflow.upgrade.UpgradeActivitiesImpl;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Hosts the Temporal worker in the service, connecting in the background: the service starts, scrapes and serves
 * whether or not Temporal is there, and the worker starts polling the first time the server answers. Afterwards the
 * SDK's pollers ride out outages by themselves; a probe every {@link #PROBE_CONNECTED} keeps {@link #state()} true
 * for health and the guard API. The probes run on one thread of their own, started only when the worker is enabled: the
 * first at once, each next one scheduled when the previous has finished (backing off from {@link #RETRY_FIRST} to
 * {@link #RETRY_MAX} while Temporal does not answer), so a probe waiting for its deadline delays the next instead of
 * stacking up behind it, and a disabled worker wakes no thread at all.
 */
@ApplicationScoped
public class TemporalWorker {

    private static final Logger LOG = Logger.getLogger(TemporalWorker.class);
    static final Duration PROBE_CONNECTED = Duration.ofSeconds(15);
    static final Duration RETRY_FIRST = Duration.ofSeconds(1);
    static final Duration RETRY_MAX = Duration.ofSeconds(30);
    private static final Backoff RETRY = new Backoff(RETRY_FIRST, RETRY_MAX);
    static final Duration PROBE_DEADLINE = Duration.ofSeconds(5);

    public enum Connection {
        DISABLED,
        CONNECTING,
        CONNECTED,
        UNREACHABLE
    }

    /** What health checks and the guard API read. */
    public record State(
            Connection connection,
            String target,
            String namespace,
            String taskQueue,
            String error,
            Instant since,
            boolean workerStarted) {}

    /*
     * Resolved only on the enabled path (the probe, the worker's start, callers of client()): with the worker disabled
     * nothing may create the client, whose gRPC stubs and SDK load about 1,800 classes (some 15 MB of class metadata).
     */
    @Inject
    Instance<WorkflowClient> clients;

    @Inject
    Instance<GuardActivitiesImpl> guardActivities;

    @Inject
    Instance<InProcessReplicationActivities> replicationActivities;

    @Inject
    Instance<UpgradeActivitiesImpl> upgradeActivities;

    @Inject
    Instance<FailoverActivitiesImpl> failoverActivities;
    /** Temporal's tracing interceptor (TemporalTracing): OpenTracing over the service's OpenTelemetry. */
    @Inject
    Instance<WorkerInterceptor> workerInterceptors;

    @ConfigProperty(name = "pgactive.tools.temporal.enabled", defaultValue = "false")
    boolean enabled;

    @ConfigProperty(name = "quarkus.temporal.connection.target", defaultValue = "127.0.0.1:7233")
    String target;

    @ConfigProperty(name = "quarkus.temporal.namespace", defaultValue = "default")
    String namespace;

    @ConfigProperty(name = "quarkus.temporal.worker.task-queue", defaultValue = "pgactive-tools")
    String taskQueue;
    /**
     * How long a workflow task may hold its thread before the SDK calls it a deadlock and fails the task (it is then
     * retried). The SDK's 1 s is short for a small pod whose JVM is still loading and compiling classes on the first
     * tasks after a start; a real deadlock is still caught, only later.
     */
    @ConfigProperty(name = "pgactive.tools.temporal.deadlock-detection-timeout", defaultValue = "10s")
    Duration deadlockDetectionTimeout;

    private final List<Runnable> whileConnected = new CopyOnWriteArrayList<>();
    private volatile State state;
    private volatile boolean stopped;
    private volatile int failedProbes;
    /** Runs the probes, one after the other; created only when the worker is enabled. */
    private ScheduledExecutorService prober;

    private volatile WorkerFactory factory;

    void onStart(@Observes StartupEvent event) {
        if (!enabled) {
            state = new State(Connection.DISABLED, target, namespace, taskQueue, null, Instant.now(), false);
            LOG.info("Temporal worker disabled (set PGACTIVE_TOOLS_TEMPORAL_ENABLED=true to host it)");
            return;
        }
        state = new State(Connection.CONNECTING, target, namespace, taskQueue, null, Instant.now(), false);
        LOG.infof(
                "Temporal worker: connecting to %s (namespace %s, task queue %s) in the background",
                target, namespace, taskQueue);
        prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "temporal-probe");
            t.setDaemon(true);
            return t;
        });
        prober.execute(this::probeAndScheduleNext);
    }

    /**
     * Runs {@code action} in the probe job after every successful probe (the first right after the worker has
     * started, then every {@link #PROBE_CONNECTED}): for work that must happen once Temporal answers and must be retried
     * if it failed, such as starting guards. It must be cheap once its work is done.
     */
    public void whileConnected(Runnable action) {
        whileConnected.add(action);
    }

    /** Never null: before start-up has run, the worker is connecting (or disabled). */
    public State state() {
        State s = state;
        return s != null
                ? s
                : new State(
                        enabled ? Connection.CONNECTING : Connection.DISABLED,
                        target,
                        namespace,
                        taskQueue,
                        null,
                        Instant.now(),
                        false);
    }

    public boolean enabled() {
        return enabled;
    }

    public WorkflowClient client() {
        return clients.get();
    }

    /** The client, when the worker is enabled and connected; otherwise why not, as a retryable refusal. */
    public WorkflowClient connectedClient() {
        State s = state();
        if (!enabled) {
            throw new TemporalUnavailableException(
                    "the Temporal worker is disabled (PGACTIVE_TOOLS_TEMPORAL_ENABLED=false)");
        }
        if (s.connection() != Connection.CONNECTED) {
            throw new TemporalUnavailableException("Temporal server " + s.target() + " is not reachable"
                    + (s.error() == null ? " yet" : ": " + s.error()));
        }
        return client();
    }

    /** Runs a call to the Temporal server; a server that is away or too slow becomes a retryable refusal. */
    public <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
                throw new TemporalUnavailableException(
                        "Temporal server " + state().target() + " did not answer: " + e.getStatus());
            }
            throw e;
        }
    }

    public String taskQueue() {
        return taskQueue;
    }

    private void probeAndScheduleNext() {
        if (stopped) {
            return;
        }
        Duration next = probeOnce(); // never throws: a failed probe is a state and a back-off
        try {
            prober.schedule(this::probeAndScheduleNext, next.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            // the service stops: no next probe
        }
    }

    /** Probes the server once; returns how long to wait before the next probe. */
    private Duration probeOnce() {
        try {
            client().getWorkflowServiceStubs()
                    .blockingStub()
                    .withDeadlineAfter(PROBE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
            boolean first = factory == null;
            if (first) {
                startWorker();
            }
            if (state.connection() != Connection.CONNECTED) {
                LOG.infof(
                        "Temporal server %s reachable%s",
                        target, first ? "; worker polling task queue " + taskQueue : " again");
                state = new State(Connection.CONNECTED, target, namespace, taskQueue, null, Instant.now(), true);
            }
            whileConnected.forEach(this::runQuietly);
            failedProbes = 0;
            return PROBE_CONNECTED;
        } catch (RuntimeException e) {
            String error = String.valueOf(e.getMessage());
            if (state.connection() != Connection.UNREACHABLE) {
                LOG.warnf(
                        "Temporal server %s unreachable (monitoring continues; retrying in the background): %s",
                        target, error);
            }
            state = new State(
                    Connection.UNREACHABLE,
                    target,
                    namespace,
                    taskQueue,
                    error,
                    state.connection() == Connection.UNREACHABLE ? state.since() : Instant.now(),
                    factory != null);
            return RETRY.delay(failedProbes++);
        }
    }

    private void startWorker() {
        factory = WorkerFactory.newInstance(
                client(),
                WorkerFactoryOptions.newBuilder()
                        .setWorkerInterceptors(workerInterceptors.stream().toArray(WorkerInterceptor[]::new))
                        .build());
        Worker worker = factory.newWorker(
                taskQueue,
                WorkerOptions.newBuilder()
                        .setDefaultDeadlockDetectionTimeout(deadlockDetectionTimeout.toMillis())
                        .build());
        worker.registerWorkflowImplementationTypes(
                ReplicationGuardWorkflow.class,
                RollingUpgradeWorkflow.class,
                InitReplicationGroupWorkflow.class,
                FailoverWorkflow.class,
                ResyncWorkflow.class);
        worker.registerActivitiesImplementations(
                guardActivities.get(), replicationActivities.get(), upgradeActivities.get(), failoverActivities.get());
        factory.start();
    }

    private void runQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warnf("after connecting to Temporal: %s", e.getMessage());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
        if (prober != null) {
            prober.shutdownNow();
        }
        if (factory != null) {
            factory.shutdown();
            factory.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
