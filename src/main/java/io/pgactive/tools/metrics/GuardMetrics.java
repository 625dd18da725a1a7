package io.pgactive.tools.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.guard.GuardDecision;
import io.pgactive.tools.contract.guard.GuardMode;
import io.pgactive.tools.workflow.guard.GuardService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One pair of series per configured gate: whether the guard holds its writes, and whether it escalated. From the
 * newest decision the service knows of; absent (NaN) until there is one, so an alert never mistakes "not known yet"
 * for "open".
 */
@ApplicationScoped
public class GuardMetrics {

    @Inject
    MeterRegistry registry;

    @Inject
    ToolsConfig config;

    @Inject
    GuardService guards;

    private final List<Meter> meters = new ArrayList<>();

    void onStart(@Observes StartupEvent event) {
        for (ToolsConfig.GateConfig g : config.guard().gates()) {
            meters.add(gauge(
                    "pgactive.guard.writes.paused",
                    "1 while the write guard holds the gate's writes (PAUSING or PAUSED)",
                    g,
                    d -> d.to() != GateState.OPEN ? 1 : 0));
            meters.add(gauge(
                    "pgactive.guard.escalated",
                    "1 while the write guard is escalated (writes were held longer than max_pause)",
                    g,
                    d -> d.mode() == GuardMode.ESCALATED ? 1 : 0));
        }
    }

    private Meter gauge(
            String name, String description, ToolsConfig.GateConfig g, ToDoubleFunction<GuardDecision> value) {
        return Gauge.builder(
                        name,
                        guards,
                        s -> s.lastDecision(g.name()).map(value::applyAsDouble).orElse(Double.NaN))
                .description(description)
                .tag("gate", g.name())
                .tag("node", g.node())
                .register(registry);
    }

    // removed on shutdown: a registry that outlives the application must not keep reading this one
    void onStop(@Observes ShutdownEvent event) {
        meters.forEach(registry::remove);
        meters.clear();
    }
}
