package io.pgactive.tools.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Prometheus series for Grafana and alerting, all derived from the published snapshot (the one source of truth).
 * Labels are bounded: node, peer, kind, direction, slot, conflict type, error class — never DSNs or messages. A link's
 * series are labelled with its whole identity (the slot or subscription too, empty for a standby without a slot), so
 * two links to the same peer never share, or overwrite, one series. Series of a node or link that leaves the
 * snapshot are removed with it.
 */
@ApplicationScoped
public class ReplicationMetrics {

    @Inject
    MeterRegistry registry;

    @Inject
    SnapshotBus bus;

    @Inject
    ToolsConfig config;

    private GaugeFamily linkLagSeconds;
    private GaugeFamily linkLagBytes;
    private GaugeFamily linkLagXid;
    private GaugeFamily linkUp;
    private GaugeFamily linkStalled;
    private GaugeFamily syncStandby;
    private GaugeFamily nodeStatus;
    private GaugeFamily nodeUp;
    private GaugeFamily nodeLagSeconds;
    private GaugeFamily nodeLagBytes;
    private GaugeFamily conflictsLastMinute;
    private GaugeFamily lastSuccessAge;
    private List<GaugeFamily> families = List.of();
    /** Cumulative conflicts per (node, type), as last reported by the node; exposed as a counter. */
    private final Map<Tags, AtomicLong> conflictTotals = new HashMap<>();

    private final Map<Tags, Counter> scrapeErrors = new HashMap<>();
    private volatile Snapshot latest;

    /** Every meter this instance registered leaves with it (a registry may outlive the application in tests). */
    void onStop(@Observes ShutdownEvent event) {
        for (Meter m : List.copyOf(registry.getMeters())) {
            String name = m.getId().getName();
            if (name.startsWith("pgactive.replication.")
                    || name.startsWith("pgactive.node.")
                    || name.startsWith("pgactive.threshold.")
                    || name.equals("pgactive.snapshot.age.seconds")
                    || name.equals("pgactive.cluster.status")
                    || name.equals("pgactive.collector.errors")) {
                registry.remove(m);
            }
        }
    }

    void onStart(@Observes StartupEvent event) {
        register();
        bus.follow("metrics", Infrastructure.getDefaultWorkerPool(), this::update);
    }

    /**
     * Meters on {@code registry} that are refreshed only by calling {@link #update}: for tools and tests that check,
     * version by version, that the metrics say what the snapshot says.
     */
    public static ReplicationMetrics standalone(MeterRegistry registry, ToolsConfig config) {
        ReplicationMetrics m = new ReplicationMetrics();
        m.registry = registry;
        m.config = config;
        m.register();
        return m;
    }

    private void register() {
        linkLagSeconds = gauge(
                "pgactive.replication.lag.seconds",
                "Replication lag of a link in time (0 when caught up, growing while stalled)",
                "seconds");
        linkLagBytes =
                gauge("pgactive.replication.lag.bytes", "WAL bytes not yet replayed downstream on a link", "bytes");
        linkLagXid = gauge(
                "pgactive.replication.lag.xid",
                "Transactions a link holds back: age of its slot's catalog_xmin (pgactive, native logical; sent minus applied on pgactive 2.1.1-2.1.3)",
                null);
        linkUp = gauge(
                "pgactive.replication.link.up", "1 when the link's WAL sender, receiver or apply worker runs", null);
        linkStalled = gauge(
                "pgactive.replication.link.stalled",
                "1 when the upstream moved and the downstream did not for stall_after",
                null);
        syncStandby =
                gauge("pgactive.replication.sync.standby", "1 when the standby is synchronous (sync or quorum)", null);
        nodeStatus = gauge(
                "pgactive.node.status", "Node status: 0 UNKNOWN, 1 HEALTHY, 2 DEGRADED, 3 CRITICAL, 4 DOWN", null);
        nodeUp = gauge("pgactive.node.up", "1 when the node's latest scrape succeeded", null);
        nodeLagSeconds = gauge("pgactive.node.lag.seconds", "Worst lag over the node's links", "seconds");
        nodeLagBytes = gauge("pgactive.node.lag.bytes", "Worst byte lag over the node's links", "bytes");
        conflictsLastMinute =
                gauge("pgactive.node.conflicts.last.minute", "Conflicts seen on the node in the last minute", null);
        lastSuccessAge = GaugeFamily.ageOf(
                registry,
                "pgactive.node.last.success.age.seconds",
                "Time since the node was last scraped successfully");
        families = List.of(
                linkLagSeconds,
                linkLagBytes,
                linkLagXid,
                linkUp,
                linkStalled,
                syncStandby,
                nodeStatus,
                nodeUp,
                nodeLagSeconds,
                nodeLagBytes,
                conflictsLastMinute,
                lastSuccessAge);
        Gauge.builder("pgactive.snapshot.age.seconds", this, m -> m.snapshotAgeSeconds())
                .description("Age of the latest published snapshot")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder(
                        "pgactive.cluster.status",
                        this,
                        m -> m.latest == null ? 0 : m.latest.cluster().status().gauge())
                .description("Cluster status: the worst node status")
                .register(registry);
        // the configured thresholds, so alert rules compare against the same numbers as the node status
        var t = config.thresholds();
        thresholdGauge(
                "pgactive.threshold.lag.seconds", "warning", t.lagSecondsWarn(), "Lag threshold from tools.yaml");
        thresholdGauge(
                "pgactive.threshold.lag.seconds", "critical", t.lagSecondsCrit(), "Lag threshold from tools.yaml");
        thresholdGauge(
                "pgactive.threshold.conflicts.per.minute",
                "warning",
                t.conflictsWarnPerMinute(),
                "Conflict rate threshold from tools.yaml");
    }

    private void thresholdGauge(String name, String level, double value, String help) {
        Gauge.builder(name, () -> value).description(help).tag("level", level).register(registry);
    }

    private GaugeFamily gauge(String name, String help, String unit) {
        return GaugeFamily.of(registry, name, help, unit);
    }

    /** Refreshes every series from one snapshot; synchronized because a resubscription may overlap an update. */
    public synchronized void update(PublishedSnapshot published) {
        Snapshot s = published.snapshot();
        if (latest != null && s.version() <= latest.version()) {
            return;
        }
        latest = s;
        families.forEach(GaugeFamily::beginRound);
        Set<Tags> seenConflicts = new HashSet<>();
        for (NodeState n : s.nodes().values()) {
            Tags node = Tags.of("node", n.name());
            nodeStatus.set(node, n.status().gauge());
            nodeUp.set(node, n.consecutiveFailures() == 0);
            nodeLagSeconds.set(node, n.metrics().lagSeconds());
            nodeLagBytes.set(node, n.metrics().lagBytes());
            conflictsLastMinute.set(node, n.metrics().conflictCount());
            if (n.lastSuccessAt() != null) {
                lastSuccessAge.set(node, n.lastSuccessAt().toEpochMilli());
            }
            for (Link l : uniqueLinks(n)) {
                Tags link = node.and(
                        "peer",
                        String.valueOf(l.peer()),
                        "kind",
                        l.kind(),
                        "direction",
                        l.direction(),
                        "slot",
                        l.slot() == null ? "" : l.slot());
                linkLagSeconds.set(link, l.lagSeconds());
                linkLagBytes.set(link, l.lagBytes());
                linkLagXid.set(link, l.lagXid());
                if (l.active() != null) {
                    linkUp.set(link, l.active());
                }
                if (l.stalled() != null) {
                    linkStalled.set(link, l.stalled());
                }
                if (l.syncState() != null) {
                    syncStandby.set(
                            link, l.syncState().equals("sync") || l.syncState().equals("quorum"));
                }
            }
            n.metrics().conflictsByType().forEach((type, total) -> {
                Tags tags = node.and("type", type);
                seenConflicts.add(tags);
                conflictTotals
                        .computeIfAbsent(tags, t -> {
                            AtomicLong holder = new AtomicLong();
                            FunctionCounter.builder("pgactive.node.conflicts", holder, AtomicLong::doubleValue)
                                    .description(
                                            "Conflicts recorded on the node by type (cumulative as reported by the node)")
                                    .tags(t)
                                    .register(registry);
                            return holder;
                        })
                        .set(total);
            });
            if (n.consecutiveFailures() > 0 && n.errorClass() != null) {
                scrapeErrors
                        .computeIfAbsent(
                                node.and("error_class", n.errorClass()),
                                t -> Counter.builder("pgactive.collector.errors")
                                        .description("Failed scrape cycles per node and error class")
                                        .tags(t)
                                        .register(registry))
                        .increment();
            }
        }
        families.forEach(GaugeFamily::endRound);
        removeAbsent(conflictTotals.keySet(), seenConflicts, "pgactive.node.conflicts");
        Set<String> nodes = s.nodes().keySet();
        removeAbsent(
                scrapeErrors.keySet(),
                scrapeErrors.keySet().stream()
                        .filter(t -> nodes.contains(t.stream()
                                .filter(tag -> tag.getKey().equals("node"))
                                .findFirst()
                                .orElseThrow()
                                .getValue()))
                        .collect(Collectors.toSet()),
                "pgactive.collector.errors");
    }

    /** Links are unique by identity in a snapshot; should two ever collide, one series keeps the first. */
    private static List<Link> uniqueLinks(NodeState n) {
        Map<String, Link> unique = new LinkedHashMap<>();
        for (Link l : n.links()) {
            unique.putIfAbsent(l.identity(), l);
        }
        return List.copyOf(unique.values());
    }

    private void removeAbsent(Set<Tags> registered, Set<Tags> present, String name) {
        for (Tags t : new ArrayList<>(registered)) {
            if (!present.contains(t)) {
                Meter m = registry.find(name).tags(t).meter();
                if (m != null) {
                    registry.remove(m);
                }
                registered.remove(t);
            }
        }
    }

    double snapshotAgeSeconds() {
        Snapshot s = latest;
        return s == null
                ? Double.NaN
                : Duration.between(s.collectedAt(), Instant.now()).toMillis() / 1000.0;
    }
}
