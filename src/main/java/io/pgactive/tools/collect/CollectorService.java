package io.pgactive.tools.collect;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.pgactive.tools.config.CustomQuery;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.snapshot.Operations;
import io.pgactive.tools.snapshot.PublishedHistory;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.snapshot.VersionSequence;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Starts the scrape loop with the service and stops it on shutdown; the one owner of the {@link Collector}. */
@ApplicationScoped
public class CollectorService {

    private static final Logger LOG = Logger.getLogger(CollectorService.class);
    /** Versions reserved per write of the high-water mark: one small fsync every ~30 minutes at a 2 s interval. */
    private static final long VERSION_RESERVE = 1000;
    /**
     * Buckets of the per-node scrape histogram: a node's answer (milliseconds) up to its deadline and connect timeouts
     * (seconds). A fixed short list, because the series count is this times the node count: the cycle-wide histograms
     * keep Micrometer's fine buckets, which would cost 69 series per node here.
     */
    private static final Duration[] NODE_SCRAPE_BUCKETS = {
        Duration.ofMillis(1),
        Duration.ofMillis(2),
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        Duration.ofSeconds(30)
    };

    @Inject
    ToolsConfig config;

    @Inject
    Vertx vertx;

    @Inject
    SnapshotBus bus;

    @Inject
    MeterRegistry registry;

    @Inject
    Tracer tracer;

    /*
     * With the SDK disabled (no exporter configured), Quarkus still hands out the SDK's tracer, whose spans are built,
     * filled and dropped: work in every cycle that nobody reads.
     */
    @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false")
    boolean tracingOff;

    @Inject
    PublishedHistory history;

    @Inject
    Operations operations;

    private Collector collector;
    private final Map<String, Timer> nodeTimers = new ConcurrentHashMap<>();
    private final List<Meter> ownedMeters = new CopyOnWriteArrayList<>();
    private Discovery discovery;

    void onStart(@Observes StartupEvent event) {
        List<CustomQuery> queries = config.collector().queries();
        VersionSequence versions = new VersionSequence(history.versionMark(), VERSION_RESERVE);
        Timer cycle = own(Timer.builder("pgactive.scrape.cycle.duration")
                .description("Wall time of one scrape cycle, from the first query to the published snapshot")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry));
        Timer publish = own(Timer.builder("pgactive.snapshot.publish.delay")
                .description("Time from the last node's answer to the snapshot being readable")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry));
        Counter late = own(Counter.builder("pgactive.collector.late")
                .description("Time the service itself was late running node scrapes (event loop blocked, late timer);"
                        + " never counted as node failures")
                .baseUnit("seconds")
                .register(registry));
        own(Gauge.builder("pgactive.snapshot.version", versions, VersionSequence::current)
                .description("Version of the latest published snapshot")
                .register(registry));
        collector = new Collector(
                config,
                queries,
                vertx,
                bus,
                versions,
                stats -> {
                    cycle.record(stats.cycleNanos(), TimeUnit.NANOSECONDS);
                    publish.record(stats.publishNanos(), TimeUnit.NANOSECONDS);
                    recordNodeScrapes(stats.nodeNanos());
                    if (stats.lateNanos() > 0) {
                        late.increment(stats.lateNanos() / 1e9);
                    }
                },
                scrapeTracer());
        LOG.infof(
                "scraping %d node(s) every %dms (deadline %dms per node), %d custom quer%s, version continues after %d",
                config.collector().nodes().size(),
                config.collector().interval().toMillis(),
                config.collector().timeout().toMillis(),
                queries.size(),
                queries.size() == 1 ? "y" : "ies",
                versions.current());
        collector.conflictLedger(history::conflictCursor);
        collector.operations(operations);
        collector.start();
        config.collector().discovery().ifPresent(d -> {
            discovery = new Discovery(config, d, collector, vertx);
            discovery.start();
        });
    }

    /** The tracer of the scrape's spans: a no-op one when tracing is off. */
    Tracer scrapeTracer() {
        return tracingOff ? TracerProvider.noop().get("pgactive-tools") : tracer;
    }

    /**
     * Meters bound to this instance's objects are removed when it stops: a registry that outlives the application
     * (tests restart it in one JVM) would otherwise keep serving the old objects' values under the same names.
     */
    private <M extends Meter> M own(M meter) {
        ownedMeters.add(meter);
        return meter;
    }

    /** Per-node scrape timers; a node that is no longer scraped (discovery removed it) loses its series. */
    private void recordNodeScrapes(Map<String, Long> nodeNanos) {
        nodeNanos.forEach((node, nanos) -> nodeTimers
                .computeIfAbsent(
                        node,
                        n -> Timer.builder("pgactive.scrape.duration")
                                .description(
                                        "Wall time of one node's scrape within a cycle, until its answer or its deadline")
                                .tag("node", n)
                                .serviceLevelObjectives(NODE_SCRAPE_BUCKETS)
                                .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS));
        Set<String> scraped = new HashSet<>();
        collector.nodes().forEach(n -> scraped.add(n.name()));
        nodeTimers.entrySet().removeIf(e -> {
            if (!scraped.contains(e.getKey())) {
                registry.remove(e.getValue());
                return true;
            }
            return false;
        });
    }

    void onStop(@Observes ShutdownEvent event) {
        if (discovery != null) {
            discovery.stop();
        }
        if (collector != null) {
            collector.stop();
        }
        ownedMeters.forEach(registry::remove);
        nodeTimers.values().forEach(registry::remove);
    }

    /** Scrapes a node for a while (an upgrade's target); no-op before the collector has started. */
    public void putRuntimeNode(ToolsConfig.NodeConfig node) {
        if (collector != null) {
            collector.putRuntimeNode(node);
        }
    }

    public void removeRuntimeNode(String name) {
        if (collector != null) {
            collector.removeRuntimeNode(name);
        }
    }

    public Collector collector() {
        return collector;
    }
}
