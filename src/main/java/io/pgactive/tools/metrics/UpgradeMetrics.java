package io.pgactive.tools.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.config.UpgradeConfig;
import io.pgactive.tools.contract.upgrade.UpgradeDecision;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.workflow.upgrade.UpgradeDecided;
import io.pgactive.tools.workflow.upgrade.UpgradeService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The rolling upgrades' series, one set per node that has an upgrade route: the phase (its ordinal in
 * {@link UpgradePhase}), whether it runs and whether it waits for the operator, the share of new connections on the
 * target, the last health check, when it last made progress, and counters of upgrades started, completed, failed and
 * rolled back with the time spent in each phase. From what this service's worker recorded; absent (NaN) until the
 * first decision, so an alert never mistakes "not known yet" for a value.
 */
@ApplicationScoped
public class UpgradeMetrics {

    static final Set<String> HOLDING = Set.of("escalate", "halt", "hold");
    static final Map<String, String> OUTCOMES =
            Map.of("started", "started", "completed", "completed", "failed", "failed", "rolled_back", "rolled_back");

    @Inject
    MeterRegistry registry;

    @Inject
    ToolsConfig config;

    @Inject
    UpgradeService upgrades;

    private final List<Meter> meters = new ArrayList<>();
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    private final Map<String, Timer> phaseTimers = new ConcurrentHashMap<>();

    void onStart(@Observes StartupEvent event) {
        for (UpgradeConfig.Route r : config.upgrade().routes()) {
            String node = r.node();
            meters.add(gauge(
                    "pgactive.upgrade.phase",
                    "Phase of the node's upgrade: the ordinal of VALIDATING(0) .. COMPLETED(11),"
                            + " ROLLING_BACK(12), ROLLED_BACK(13), FAILED(14)",
                    node,
                    o -> o.lastDecision().to().ordinal()));
            meters.add(gauge(
                    "pgactive.upgrade.running",
                    "1 while the node's upgrade runs (not completed, rolled back or failed)",
                    node,
                    o -> o.lastDecision().to().terminal() ? 0 : 1));
            meters.add(gauge(
                    "pgactive.upgrade.held",
                    "1 while the node's upgrade waits for the operator (escalated, halted," + " failed health check)",
                    node,
                    o -> HOLDING.contains(o.lastDecision().action()) ? 1 : 0));
            meters.add(gauge(
                    "pgactive.upgrade.target.traffic.ratio",
                    "Share of new connections routed to the upgrade's target, 0..1",
                    node,
                    o -> o.targetPercent() / 100.0));
            meters.add(gauge(
                    "pgactive.upgrade.health.check.ok",
                    "1 when the last health check of the node's upgrade passed, 0 when it failed",
                    node,
                    o -> o.lastHealth() == null ? Double.NaN : o.lastHealth().healthy() ? 1 : 0));
            meters.add(gauge(
                    "pgactive.upgrade.replication.lag.bytes",
                    "Replication lag of the node's upgrade, source to target",
                    node,
                    o -> o.lagBytes() < 0 ? Double.NaN : o.lagBytes()));
            meters.add(gauge(
                    "pgactive.upgrade.last.progress.timestamp.seconds",
                    "When the node's upgrade last moved: a decision,"
                            + " a traffic change or shrinking lag (Unix seconds)",
                    node,
                    o -> o.progressAtMillis() / 1000.0));
            for (String outcome : List.of("started", "completed", "failed", "rolled_back")) {
                outcomes.put(
                        node + "/" + outcome,
                        own(Counter.builder("pgactive.upgrades." + outcome)
                                .description("Upgrades " + outcome.replace('_', ' ') + " through this service's worker")
                                .tag("source", node)
                                .register(registry)));
            }
            // declared before the first upgrade, so dashboards and alert rules find the series from the start
            for (UpgradePhase phase : UpgradePhase.values()) {
                if (timedPhase(phase)) {
                    phaseTimer(node, phase);
                }
            }
        }
    }

    /** Counts outcomes and times each phase left, as decisions are recorded. */
    void onDecision(@Observes UpgradeDecided e) {
        UpgradeDecision d = e.decision();
        String outcome = OUTCOMES.get(d.action());
        if (outcome != null) {
            Counter c = outcomes.get(e.source() + "/" + outcome);
            if (c != null) {
                c.increment();
            }
        }
        if (d.from() != d.to() && d.fromMillis() > 0 && timedPhase(d.from())) {
            phaseTimer(e.source(), d.from()).record(d.fromMillis(), TimeUnit.MILLISECONDS);
        }
    }

    // a rollback's own duration is not a phase of the upgrade, and nothing leaves a terminal phase
    private static boolean timedPhase(UpgradePhase phase) {
        return phase != UpgradePhase.ROLLING_BACK && !phase.terminal();
    }

    private Timer phaseTimer(String source, UpgradePhase phase) {
        return phaseTimers.computeIfAbsent(
                source + "/" + phase,
                k -> own(Timer.builder("pgactive.upgrade.phase.duration")
                        .description("Time an upgrade spent in each phase")
                        .tag("source", source)
                        .tag("phase", phase.name())
                        .minimumExpectedValue(Duration.ofMillis(10))
                        .maximumExpectedValue(Duration.ofDays(2))
                        .register(registry)));
    }

    private Meter gauge(String name, String description, String node, ToDoubleFunction<UpgradeService.Observed> value) {
        return Gauge.builder(name, upgrades, s -> {
                    UpgradeService.Observed o = s.observed().get(node);
                    return o == null || o.lastDecision() == null ? Double.NaN : value.applyAsDouble(o);
                })
                .description(description)
                .tag("source", node)
                .register(registry);
    }

    private <M extends Meter> M own(M meter) {
        meters.add(meter);
        return meter;
    }

    // removed on shutdown: a registry that outlives the application must not keep reading this one
    void onStop(@Observes ShutdownEvent event) {
        meters.forEach(registry::remove);
        meters.clear();
        outcomes.clear();
        phaseTimers.clear();
    }
}
