package io.pgactive.tools.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.workflow.failover.FailoverRecorded;
import io.pgactive.tools.workflow.failover.Resync;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Failovers per configured primary, from the steps this service's worker recorded: counters of failovers started,
 * completed and failed (refusals count as failed), whether one runs now, and the time from the start to the standby
 * taking writes. Declared at start-up for every configured node, so alert rules find the series before any failover.
 */
@ApplicationScoped
public class FailoverMetrics {

    @Inject
    MeterRegistry registry;

    @Inject
    ToolsConfig config;

    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> startedAt = new ConcurrentHashMap<>();
    private final Map<String, Timer> promote = new ConcurrentHashMap<>();
    private final Map<String, Gauge> running = new ConcurrentHashMap<>();

    void onStart(@Observes StartupEvent event) {
        for (ToolsConfig.NodeConfig n : config.collector().nodes()) {
            declare(n.name());
        }
    }

    private void declare(String node) {
        for (String outcome : new String[] {"started", "completed", "failed"}) {
            outcomes.computeIfAbsent(
                    node + "/" + outcome,
                    k -> Counter.builder("pgactive.failovers." + outcome)
                            .description("Failovers " + outcome + " through this service's worker, by old primary")
                            .tag("node", node)
                            .register(registry));
        }
        AtomicLong since = startedAt.computeIfAbsent(node, k -> new AtomicLong());
        running.computeIfAbsent(
                node,
                k -> Gauge.builder("pgactive.failover.running", since, s -> s.get() > 0 ? 1 : 0)
                        .description("1 while a failover of this primary runs")
                        .tag("node", node)
                        .register(registry));
        promote.computeIfAbsent(
                node,
                k -> Timer.builder("pgactive.failover.promote.duration")
                        .description("From a failover's start to the promoted standby accepting writes")
                        .tag("node", node)
                        .serviceLevelObjectives(
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(2),
                                Duration.ofSeconds(5),
                                Duration.ofSeconds(10),
                                Duration.ofSeconds(30),
                                Duration.ofSeconds(60))
                        .register(registry));
    }

    // removed on shutdown: a registry that outlives the application must not keep reading this one
    void onStop(@Observes ShutdownEvent event) {
        outcomes.values().forEach(registry::remove);
        running.values().forEach(registry::remove);
        promote.values().forEach(registry::remove);
    }

    void onStep(@Observes FailoverRecorded e) {
        FailoverStep step = e.step();
        if (step.failoverId().startsWith(Resync.workflowId(""))) {
            return; // a resync's failure is not a failed failover
        }
        String node = step.primary();
        declare(node);
        AtomicLong since = startedAt.get(node);
        switch (step.type()) {
            case FailoverStep.STARTED -> {
                outcomes.get(node + "/started").increment();
                since.set(step.atMillis());
            }
            case FailoverStep.PROMOTED -> {
                long from = since.get();
                if (from > 0) {
                    promote.get(node).record(Math.max(0, step.atMillis() - from), TimeUnit.MILLISECONDS);
                }
            }
            case FailoverStep.TRAFFIC_REPOINTED -> {
                outcomes.get(node + "/completed").increment();
                since.set(0);
            }
            case FailoverStep.FAILED -> {
                outcomes.get(node + "/failed").increment();
                since.set(0);
            }
            default -> {
                // fenced and resynced change no series
            }
        }
    }
}
