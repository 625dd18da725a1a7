package io.pgactive.tools.api;

import io.pgactive.tools.collect.CollectorService;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.store.HistoryService;
import io.pgactive.tools.store.HistoryStore;
import io.pgactive.tools.workflow.TemporalWorker;
import io.smallrye.health.api.HealthGroup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Ready once a first snapshot exists; live while the scrape loop keeps completing cycles. */
@ApplicationScoped
public class HealthChecks {

    @Inject
    SnapshotBus bus;

    @Inject
    CollectorService collector;

    @Inject
    ToolsConfig config;

    @Produces
    @Readiness
    HealthCheck snapshotReady() {
        return () -> bus.latest()
                .map(s -> HealthCheckResponse.named("snapshot")
                        .up()
                        .withData("version", s.version())
                        .withData("collected_at", s.snapshot().collectedAt().toString())
                        .withData(
                                "cluster_status",
                                s.snapshot().cluster().status().name())
                        .build())
                .orElseGet(() -> HealthCheckResponse.named("snapshot")
                        .down()
                        .withData("reason", "first scrape cycle not finished")
                        .build());
    }

    @Inject
    HistoryService history;

    /** Live data keeps flowing while the disk is full or read-only, but the history has a gap: not ready. */
    @Produces
    @Readiness
    HealthCheck historyWritable() {
        return () -> {
            HistoryStore.Status s = history.store().status();
            var b = HealthCheckResponse.named("history")
                    .status(s.healthy())
                    .withData("stored_version", s.storedVersion())
                    .withData("pending", s.pending());
            if (s.error() != null) {
                b.withData("error", s.error());
            }
            return b.build();
        };
    }

    @Inject
    TemporalWorker temporal;

    /**
     * The Temporal worker, in its own group ({@code /q/health/group/temporal}): monitoring stays ready while Temporal is
     * away, and whoever runs workflows can still see it. Up when connected, or when the worker is disabled.
     */
    @Produces
    @HealthGroup("temporal")
    HealthCheck temporalConnected() {
        return () -> {
            TemporalWorker.State s = temporal.state();
            var b = HealthCheckResponse.named("temporal")
                    .status(s.connection() == TemporalWorker.Connection.CONNECTED
                            || s.connection() == TemporalWorker.Connection.DISABLED)
                    .withData("connection", s.connection().name())
                    .withData("target", s.target())
                    .withData("task_queue", s.taskQueue())
                    .withData("since", s.since().toString());
            if (s.error() != null) {
                b.withData("error", s.error());
            }
            return b.build();
        };
    }

    @Produces
    @Liveness
    HealthCheck collectorAlive() {
        return () -> {
            Instant last =
                    collector.collector() == null ? null : collector.collector().lastCycleEnd();
            // generous: a cycle is bounded by the per-node deadline, so five missed intervals means a stuck loop
            Duration allowed = config.collector().interval().multipliedBy(5).plusSeconds(5);
            boolean alive =
                    last == null || Duration.between(last, Instant.now()).compareTo(allowed) < 0;
            return HealthCheckResponse.named("collector")
                    .status(alive)
                    .withData("last_cycle_end", last == null ? "none yet" : last.toString())
                    .build();
        };
    }
}
