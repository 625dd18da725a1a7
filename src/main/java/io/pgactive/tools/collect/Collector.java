package io.pgactive.tools.collect;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.pgactive.tools.config.CustomQuery;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.config.credentials.Credentials;
import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.snapshot.ConflictRecord;
import io.pgactive.tools.snapshot.HealthPolicy;
import io.pgactive.tools.snapshot.NodeObservation;
import io.pgactive.tools.snapshot.Operations;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotAssembler;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.snapshot.VersionSequence;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.core.Vertx;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import org.jboss.logging.Logger;

/**
 * The scrape loop: every interval, all nodes are read concurrently (bounded), each under its own deadline, and the
 * cycle's observations become the next snapshot on the bus. A cycle never overlaps the previous one, and no node can
 * hold it past the deadline. Assembly and encoding run on a worker thread, off the event loop.
 */
public final class Collector {

    private static final Logger LOG = Logger.getLogger(Collector.class);

    /** At most this many vanished links without a slot are remembered per node, the oldest forgotten first. */
    static final int MAX_REMEMBERED_LINKS = 32;

    private record SeenLink(Link link, long position) {}

    /**
     * What one cycle measured, for metrics and benchmarks.
     *
     * @param nodeNanos wall time of each node's scrape attempt (nodes in back-off were not attempted and are absent)
     * @param lateNanos the longest the service itself was late in a node's scrape (event loop blocked, late timer)
     */
    public record CycleStats(
            long version,
            long cycleNanos,
            long publishNanos,
            int nodes,
            int failed,
            Map<String, Long> nodeNanos,
            long lateNanos) {}

    private final ToolsConfig.Collector config;
    private final Vertx vertx;
    private final ScrapeLoops scrapeLoops;
    private final SnapshotBus bus;
    private final VersionSequence versions;
    private final SnapshotAssembler assembler;
    private final LagClock lagClock;
    private final List<CustomQuery> customQueries;
    private final Consumer<CycleStats> cycleListener;
    private final Tracer tracer;
    private final Credentials credentials;
    private final Map<String, NodeClient> clients = new LinkedHashMap<>();
    private List<ToolsConfig.NodeConfig> baseNodes = List.of();
    private final Map<String, ToolsConfig.NodeConfig> runtimeNodes = new LinkedHashMap<>();
    /** "upstream|kind|slot" → the configured node that consumes that slot; owned by the publishing step. */
    private final Map<String, String> slotOwners = new HashMap<>();
    /**
     * Outbound links seen on each node, by identity, with the downstream position last seen: a link whose WAL sender
     * goes away stays in the snapshot, inactive, its lag still growing from positions. Owned by the publishing step.
     */
    private final Map<String, Map<String, SeenLink>> seenLinks = new HashMap<>();
    /** The upstream each standby last streamed from, to name its inbound link while its receiver is down. */
    private final Map<String, String> lastUpstream = new HashMap<>();

    private final Set<String> warnedSelfLinks = new HashSet<>();
    /** The last position of inbound links whose worker is down (it no longer reports one), by node and identity. */
    private final Map<String, String> inboundPositions = new HashMap<>();

    private final AddressResolver resolver = new AddressResolver();
    private Set<String> previouslyConfigured = Set.of();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile Instant lastCycleEnd;
    private volatile ToLongFunction<String> ledgerCursors = name -> 0;
    private volatile Operations operations = Operations.NONE;
    private long timerId = -1;

    public Collector(
            ToolsConfig config,
            List<CustomQuery> customQueries,
            Vertx vertx,
            SnapshotBus bus,
            VersionSequence versions,
            Consumer<CycleStats> cycleListener) {
        this(
                config,
                customQueries,
                vertx,
                bus,
                versions,
                cycleListener,
                TracerProvider.noop().get("pgactive-tools"));
    }

    /** @param tracer spans per cycle and per node; a no-op tracer costs nothing when tracing is off */
    public Collector(
            ToolsConfig config,
            List<CustomQuery> customQueries,
            Vertx vertx,
            SnapshotBus bus,
            VersionSequence versions,
            Consumer<CycleStats> cycleListener,
            Tracer tracer) {
        this(config, customQueries, vertx, bus, versions, cycleListener, tracer, Credentials.of(config));
    }

    /** @param credentials where each node's password comes from (secret references, IAM tokens) */
    public Collector(
            ToolsConfig config,
            List<CustomQuery> customQueries,
            Vertx vertx,
            SnapshotBus bus,
            VersionSequence versions,
            Consumer<CycleStats> cycleListener,
            Tracer tracer,
            Credentials credentials) {
        this.credentials = credentials;
        this.tracer = tracer;
        this.config = config.collector();
        this.vertx = vertx;
        this.scrapeLoops = new ScrapeLoops(vertx);
        this.bus = bus;
        this.versions = versions;
        this.customQueries = CustomQueryRunner.fitInside(customQueries, this.config.timeout(), LOG);
        this.cycleListener = cycleListener;
        ToolsConfig.Thresholds t = config.thresholds();
        this.assembler = new SnapshotAssembler(
                HealthPolicy.of(t.lagSecondsWarn(), t.lagSecondsCrit(), t.conflictsWarnPerMinute()));
        this.lagClock = new LagClock(this.config.stallAfter());
        setNodes(this.config.nodes());
    }

    /** Replaces the set of scraped nodes (discovery); takes effect at the next cycle. Runtime nodes are kept. */
    public synchronized void setNodes(Collection<ToolsConfig.NodeConfig> nodes) {
        baseNodes = List.copyOf(nodes);
        applyNodes();
    }

    /**
     * Scrapes a node that exists only for a while (an upgrade's target) besides the configured and discovered ones,
     * until {@link #removeRuntimeNode}; discovery's {@link #setNodes} does not drop it.
     */
    public synchronized void putRuntimeNode(ToolsConfig.NodeConfig node) {
        runtimeNodes.put(node.name(), node);
        applyNodes();
    }

    public synchronized void removeRuntimeNode(String name) {
        if (runtimeNodes.remove(name) != null) {
            applyNodes();
        }
    }

    private void applyNodes() {
        Map<String, ToolsConfig.NodeConfig> wanted = new LinkedHashMap<>();
        baseNodes.forEach(n -> wanted.put(n.name(), n));
        runtimeNodes.values().forEach(n -> wanted.putIfAbsent(n.name(), n));
        clients.entrySet().removeIf(e -> {
            boolean gone = !wanted.containsKey(e.getKey())
                    || !wanted.get(e.getKey()).equals(e.getValue().config());
            if (gone) {
                e.getValue().close();
            }
            return gone;
        });
        wanted.values()
                .forEach(n -> clients.computeIfAbsent(n.name(), k -> {
                    NodeClient c = new NodeClient(
                            n,
                            credentials.forNode(n),
                            config,
                            customQueries,
                            vertx,
                            scrapeLoops.contextFor(clients.size()));
                    c.ledgerStart(() -> ledgerCursors.applyAsLong(k));
                    return c;
                }));
    }

    /** Where the scraped nodes' passwords come from. */
    public Credentials credentials() {
        return credentials;
    }

    public synchronized List<ToolsConfig.NodeConfig> nodes() {
        return clients.values().stream().map(NodeClient::config).toList();
    }

    /** Where each node's conflict ledger resumes (the newest conflict id stored for it); asked once per node. */
    public void conflictLedger(ToLongFunction<String> cursors) {
        this.ledgerCursors = cursors;
    }

    /** Where each cycle reads the running failovers, resyncs and upgrades it publishes with the nodes. */
    public void operations(Operations source) {
        this.operations = source;
    }

    public void start() {
        timerId = vertx.setPeriodic(0, config.interval().toMillis(), id -> tick());
    }

    public void stop() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        synchronized (this) {
            clients.values().forEach(NodeClient::close);
        }
        credentials.close();
    }

    /** When the last cycle finished; liveness compares it with the interval. */
    public Instant lastCycleEnd() {
        return lastCycleEnd;
    }

    private void tick() {
        if (!running.compareAndSet(false, true)) {
            LOG.warn("previous scrape cycle still running; skipping this tick");
            return;
        }
        runCycle().subscribe().with(s -> running.set(false), e -> {
            running.set(false);
            LOG.error("scrape cycle failed; the next one will retry", e);
        });
    }

    /** One complete cycle: scrape, assemble, publish. Exposed for tests that drive cycles by hand. */
    public Uni<PublishedSnapshot> runCycle() {
        long start = System.nanoTime();
        List<NodeClient> nodes;
        synchronized (this) {
            nodes = List.copyOf(clients.values());
        }
        Map<String, String> addresses = new HashMap<>();
        nodes.forEach(n -> addresses.put(n.config().dsn().address(), n.name()));
        Instant now = Instant.now();
        Span cycleSpan = tracer.spanBuilder("scrape cycle")
                .setNoParent()
                .setAttribute("pgactive.nodes", nodes.size())
                .startSpan();
        Context cycleContext = Context.root().with(cycleSpan);
        return Multi.createFrom()
                .iterable(nodes)
                .onItem()
                .transformToUni(n -> {
                    long began = System.nanoTime();
                    Span nodeSpan = tracer.spanBuilder("scrape node")
                            .setParent(cycleContext)
                            .setAttribute("pgactive.node", n.name())
                            .startSpan();
                    return n.scrape(now, addresses).map(o -> {
                        endNodeSpan(nodeSpan, o);
                        return Map.entry(n.name(), o.attempted() ? o.withNanos(System.nanoTime() - began) : o);
                    });
                })
                .merge(config.concurrency())
                .collect()
                .asMap(Map.Entry::getKey, Map.Entry::getValue)
                // the publish delay is measured from here: it includes the hop off the event loop
                .map(outcomes -> Map.entry(System.nanoTime(), outcomes))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(done -> publish(nodes, done.getValue(), start, done.getKey()))
                .invoke(p -> cycleSpan.setAttribute("pgactive.version", p.version()))
                .onTermination()
                .invoke(cycleSpan::end);
    }

    /** One log line per status change of a node, never one per cycle. */
    private static void logTransitions(Snapshot before, Snapshot after) {
        for (var n : after.nodes().values()) {
            var was = before == null ? null : before.nodes().get(n.name());
            if (was == null || was.status() != n.status()) {
                String from = was == null ? "new" : was.status().name();
                String why = n.reasons().isEmpty() ? "" : ": " + String.join("; ", n.reasons());
                if (why.length() > 300) {
                    why = why.substring(0, 297) + "..."; // log lines stay small; the snapshot has the full reasons
                }
                if (n.status().gauge() >= NodeStatus.DEGRADED.gauge()) {
                    LOG.warnf("node %s: %s -> %s at version %d%s", n.name(), from, n.status(), after.version(), why);
                } else {
                    LOG.infof("node %s: %s -> %s at version %d%s", n.name(), from, n.status(), after.version(), why);
                }
            }
        }
    }

    private static void endNodeSpan(Span span, NodeClient.Outcome o) {
        if (o.success()) {
            span.setAttribute("pgactive.outcome", "ok");
            span.setAttribute("pgactive.dialects", String.join(",", o.scrape().roles));
            span.setAttribute("pgactive.links", o.scrape().links.size());
        } else {
            span.setAttribute("pgactive.outcome", o.attempted() ? "error" : "backoff");
            span.setAttribute("pgactive.error_class", String.valueOf(o.errorClass()));
            span.setStatus(StatusCode.ERROR, o.error());
        }
        span.end();
    }

    private PublishedSnapshot publish(
            List<NodeClient> nodes, Map<String, NodeClient.Outcome> outcomes, long start, long queriesDone) {
        Instant collectedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<NodeObservation> observations = new ArrayList<>();
        List<ConflictRecord> conflicts = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> fresh = new HashSet<>();
        int failed = 0;
        for (NodeClient n : nodes) {
            names.add(n.name());
            NodeClient.Outcome o = outcomes.get(n.name());
            if (o.success()) {
                fresh.add(n.name());
                lagClock.record(n.name(), o.scrape().readAt, Lsn.parse(o.scrape().walLsn));
            }
        }
        lagClock.retainOnly(names);
        seenLinks.keySet().retainAll(names);
        lastUpstream.keySet().retainAll(names);
        inboundPositions.keySet().removeIf(k -> !names.contains(k.substring(0, k.indexOf('|'))));
        resolveUpstreams(nodes, outcomes);
        Map<String, String> slotOwners = learnSlotOwners(nodes, outcomes);
        for (NodeClient n : nodes) {
            NodeClient.Outcome o = outcomes.get(n.name());
            if (o.success()) {
                observations.add(observe(o.scrape(), slotOwners, fresh, names));
                conflicts.addAll(o.scrape().conflictRows);
            } else {
                failed++;
                observations.add(NodeObservation.failure(n.name(), o.errorClass(), o.error()));
            }
        }
        previouslyConfigured = names;
        Snapshot snapshot =
                assembler.assemble(versions.next(), collectedAt, observations, operations.current(collectedAt));
        logTransitions(bus.latest().map(PublishedSnapshot::snapshot).orElse(null), snapshot);
        PublishedSnapshot published =
                new PublishedSnapshot(snapshot, SnapshotJson.encode(snapshot), Instant.now(), conflicts);
        bus.publish(published);
        long end = System.nanoTime();
        lastCycleEnd = Instant.now();
        if (cycleListener != null) {
            Map<String, Long> nodeNanos = new HashMap<>();
            outcomes.forEach((name, o) -> {
                if (o.attempted()) {
                    nodeNanos.put(name, o.nanos());
                }
            });
            long late = 0;
            for (NodeClient.Outcome o : outcomes.values()) {
                late = Math.max(late, o.lateNanos());
            }
            cycleListener.accept(new CycleStats(
                    snapshot.version(),
                    end - start,
                    end - queriesDone,
                    nodes.size(),
                    failed,
                    Map.copyOf(nodeNanos),
                    late));
        }
        return published;
    }

    /**
     * Subscriptions whose connection string names their publisher differently from the configuration
     * ({@code localhost} for {@code 127.0.0.1}): matched again once host names are resolved. Runs on the publishing
     * step, off the event loop, because resolution may block.
     */
    private void resolveUpstreams(List<NodeClient> nodes, Map<String, NodeClient.Outcome> outcomes) {
        Map<String, String> configured = new HashMap<>();
        nodes.forEach(n -> configured.put(n.config().dsn().address(), n.name()));
        for (NodeClient n : nodes) {
            NodeClient.Outcome o = outcomes.get(n.name());
            if (!o.success()) {
                continue;
            }
            List<LinkReading> links = o.scrape().links;
            for (int i = 0; i < links.size(); i++) {
                LinkReading lr = links.get(i);
                if (lr.upstream() == null && lr.upstreamAddress() != null) {
                    String node = resolver.nodeAt(lr.upstreamAddress(), configured);
                    if (node != null) {
                        links.set(i, new LinkReading(lr.link().withPeer(node), node, lr.position(), lr.alias()));
                    }
                }
            }
        }
    }

    /**
     * An upstream knows a downstream by its slot, the downstream knows its upstream's address and the slot it uses.
     * Joining both names outbound links after the downstream node. What was learnt is kept, so a downstream that is
     * down (its sender gone, its slot left) keeps its name; entries of nodes no longer configured are dropped.
     */
    private Map<String, String> learnSlotOwners(List<NodeClient> nodes, Map<String, NodeClient.Outcome> outcomes) {
        Set<String> names = new HashSet<>();
        for (NodeClient n : nodes) {
            names.add(n.name());
            NodeClient.Outcome o = outcomes.get(n.name());
            if (!o.success()) {
                continue;
            }
            for (LinkReading lr : o.scrape().links) {
                if (lr.alias() != null && Link.INBOUND.equals(lr.link().direction())) {
                    slotOwners.put(lr.link().peer() + "|" + lr.link().kind() + "|" + lr.alias(), n.name());
                }
            }
        }
        slotOwners.values().removeIf(owner -> !names.contains(owner));
        return slotOwners;
    }

    private NodeObservation observe(
            Scrape s, Map<String, String> slotOwners, Set<String> fresh, Set<String> configured) {
        List<Link> links = new ArrayList<>();
        Map<String, Long> positions = new HashMap<>();
        for (LinkReading lr : s.links) {
            Link link = lr.link();
            if (lr.alias() != null && Link.OUTBOUND.equals(link.direction())) {
                String downstream = slotOwners.get(s.node + "|" + link.kind() + "|" + lr.alias());
                if (downstream != null) {
                    link = link.withPeer(downstream);
                }
            }
            boolean standbyInbound = "streaming".equals(link.kind()) && Link.INBOUND.equals(link.direction());
            if (standbyInbound) {
                if (link.peer() == null) {
                    link = link.withPeer(lastUpstream.getOrDefault(s.node, "upstream"));
                } else {
                    lastUpstream.put(s.node, link.peer());
                }
            }
            if (s.node.equals(link.peer())) {
                // whatever a catalog returns, replication from a node to itself does not exist: publishing it would
                // compare positions of two different WAL streams and invent lag
                if (warnedSelfLinks.add(s.node + "|" + link.identity())) {
                    LOG.warnf(
                            "node %s: ignoring a %s %s link to itself (slot %s)",
                            s.node, link.kind(), link.direction(), link.slot());
                }
                continue;
            }
            String position = lr.position();
            if (lr.upstream() != null && !lr.upstream().equals(s.node)) {
                // a subscription whose worker is down reports no position: its last one still holds
                String key = s.node + "|" + link.identity();
                if (position != null) {
                    inboundPositions.put(key, position);
                } else {
                    position = inboundPositions.get(key);
                }
            }
            if (lr.upstream() != null
                    && position != null
                    && (standbyInbound || lr.upstream().equals(s.node) || fresh.contains(lr.upstream()))) {
                long pos = Lsn.parse(position);
                String upstream = lr.upstream();
                Instant now = s.readAt;
                if (!upstream.equals(s.node) && fresh.contains(upstream)) {
                    // measured against the upstream's own WAL and clock, read in this same cycle: the same
                    // position-based lag as on the upstream's side of the link
                    now = lagClock.readAt(upstream);
                    link = link.withLagBytes(lagClock.bytesBehind(upstream, pos));
                } else if (!upstream.equals(s.node)) {
                    // a standby's upstream not read this cycle: measure against what the standby received
                    upstream = s.node;
                } else {
                    // the server's figure may be a moment older than our reading of the node's position; never
                    // report fewer bytes than the position history proves, so lag in time implies lag in bytes
                    link = link.withLagBytes(max(link.lagBytes(), lagClock.bytesBehind(upstream, pos)));
                }
                Double lag = lagClock.lagSeconds(upstream, now, pos);
                boolean stalled = lagClock.stalled(s.node + "|" + link.identity(), upstream, now, pos);
                // an interval reported by the server (legacy pgactive) is a hint; our own position clock wins
                link = link.withLag(lag != null ? lag : link.lagSeconds(), stalled);
                if (Link.OUTBOUND.equals(link.direction())) {
                    positions.put(link.identity(), pos);
                }
                if (standbyInbound) {
                    s.replayDelaySeconds = link.lagSeconds();
                }
            }
            links.add(link);
        }
        links.addAll(vanished(s, links, positions, configured));
        links.sort(Comparator.comparing(Link::kind)
                .thenComparing(Link::direction)
                .thenComparing(l -> String.valueOf(l.peer()))
                .thenComparing(l -> String.valueOf(l.slot())));
        return new NodeObservation(
                s.node,
                true,
                null,
                null,
                s.readAt.truncatedTo(ChronoUnit.MILLIS),
                List.copyOf(new LinkedHashSet<>(s.roles)),
                s.caps.serverVersion(),
                s.caps.pgactiveVersion(),
                summarise(s, links),
                links,
                s.custom,
                s.customErrors);
    }

    /**
     * Outbound links seen before and missing now: their WAL sender went away (a standby without a slot that stopped
     * or was cut off). They stay, inactive, with the last position seen and the lag growing from it, until removed
     * on purpose: a link that had a slot leaves when the slot is dropped, one to a configured node when that node
     * leaves the configuration; one to a node that is not configured stays until the service restarts.
     */
    private List<Link> vanished(Scrape s, List<Link> present, Map<String, Long> positions, Set<String> configured) {
        Map<String, SeenLink> seen = seenLinks.computeIfAbsent(s.node, k -> new LinkedHashMap<>());
        Set<String> ids = new HashSet<>();
        for (Link l : present) {
            ids.add(l.identity());
            Long pos = positions.get(l.identity());
            if (pos != null && Link.OUTBOUND.equals(l.direction())) {
                seen.remove(l.identity()); // re-inserted last: eviction drops the links gone longest
                seen.put(l.identity(), new SeenLink(l, pos));
            }
        }
        List<Link> gone = new ArrayList<>();
        for (var it = seen.values().iterator(); it.hasNext(); ) {
            SeenLink v = it.next();
            Link l = v.link();
            if (ids.contains(l.identity())) {
                continue;
            }
            boolean slotDropped = l.slot() != null;
            boolean peerRemoved = previouslyConfigured.contains(l.peer()) && !configured.contains(l.peer());
            if (slotDropped || peerRemoved) {
                it.remove();
                continue;
            }
            Double lag = lagClock.lagSeconds(s.node, s.readAt, v.position());
            boolean stalled = lagClock.stalled(s.node + "|" + l.identity(), s.node, s.readAt, v.position());
            gone.add(l.disconnected()
                    .withLagBytes(lagClock.bytesBehind(s.node, v.position()))
                    .withLag(lag, stalled));
        }
        while (seen.size() > MAX_REMEMBERED_LINKS + ids.size()) {
            String oldest = seen.keySet().iterator().next();
            if (ids.contains(oldest)) {
                break;
            }
            seen.remove(oldest);
        }
        return gone;
    }

    /** The seed's per-node figures: worst lag over all links, LSNs and sender state of the worst outbound link. */
    static NodeMetrics summarise(Scrape s, List<Link> links) {
        Double lagSeconds = s.replayDelaySeconds;
        Long lagBytes = null;
        Long lagXid = null;
        Boolean senderActive = null;
        Link worstOut = null;
        for (Link l : links) {
            lagSeconds = max(lagSeconds, l.lagSeconds());
            lagBytes = max(lagBytes, l.lagBytes());
            lagXid = max(lagXid, l.lagXid());
            if (Link.OUTBOUND.equals(l.direction())) {
                senderActive = (senderActive == null || senderActive) && Boolean.TRUE.equals(l.active());
                if (worstOut == null || compare(l.lagBytes(), worstOut.lagBytes()) > 0) {
                    worstOut = l;
                }
            }
        }
        return new NodeMetrics(
                lagXid,
                lagSeconds,
                lagBytes,
                senderActive,
                worstOut == null ? null : worstOut.sentLsn(),
                worstOut == null ? null : worstOut.writeLsn(),
                worstOut == null ? null : worstOut.flushLsn(),
                worstOut == null ? null : worstOut.replayLsn(),
                s.conflictsTotal == null && s.conflictsByType.isEmpty() ? null : s.conflictsLastMinute,
                s.conflictsTotal,
                s.conflictsByType,
                s.inRecovery,
                s.walLsn,
                s.walReceiverActive,
                s.replayDelaySeconds);
    }

    private static <T extends Comparable<T>> T max(T a, T b) {
        if (a == null) {
            return b;
        }
        return b == null || a.compareTo(b) >= 0 ? a : b;
    }

    private static int compare(Long a, Long b) {
        return Long.compare(a == null ? -1 : a, b == null ? -1 : b);
    }
}
