package io.pgactive.tools.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.pgactive.tools.workflow.failover.automatic.AutomaticFailover;
import io.pgactive.tools.workflow.failover.automatic.AutomaticFailoverDecided;
import io.pgactive.tools.workflow.failover.automatic.HoldReason;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The automatic failover policy: failovers it started, by old primary; how many primaries it may fail over now; and
 * why it held back (counted once per outage and reason). Declared at start-up for every listed primary and reason.
 */
@ApplicationScoped
public class AutomaticFailoverMetrics {

    @Inject
    MeterRegistry registry;

    @Inject
    AutomaticFailover policy;

    private final Map<String, Counter> triggers = new ConcurrentHashMap<>();
    private final Map<HoldReason, Counter> held = new ConcurrentHashMap<>();
    private final List<Meter> registered = new CopyOnWriteArrayList<>();

    void onStart(@Observes StartupEvent event) {
        for (String primary : policy.policy().primaries()) {
            trigger(primary);
        }
        for (HoldReason r : HoldReason.values()) {
            registered.add(held.computeIfAbsent(
                    r,
                    k -> Counter.builder("pgactive.failover.automatic.held")
                            .description("Outages in which the automatic failover policy held back, by reason")
                            .tag("reason", k.tag())
                            .register(registry)));
        }
        registered.add(Gauge.builder("pgactive.failover.automatic.armed", policy, AutomaticFailover::armed)
                .description(
                        "Primaries the automatic failover policy may fail over now (listed, enabled, not in cooldown)")
                .register(registry));
    }

    private Counter trigger(String primary) {
        return triggers.computeIfAbsent(primary, k -> {
            Counter c = Counter.builder("pgactive.failover.automatic.triggers")
                    .description("Failovers started by the automatic failover policy, by old primary")
                    .tag("node", k)
                    .register(registry);
            registered.add(c);
            return c;
        });
    }

    // removed on shutdown: a registry that outlives the application must not keep reading this one
    void onStop(@Observes ShutdownEvent event) {
        registered.forEach(registry::remove);
    }

    void onDecided(@Observes AutomaticFailoverDecided e) {
        if (e.held() == null) {
            trigger(e.primary()).increment();
        } else {
            held.get(e.held()).increment();
        }
    }
}
