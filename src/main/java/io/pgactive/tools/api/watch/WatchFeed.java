package io.pgactive.tools.api.watch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pgactive.tools.contract.json.MergePatch;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.store.HistoryQueries;
import io.pgactive.tools.store.HistoryService;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The one consumer of the snapshot bus for {@code GET /watch}: turns each version into a merge patch against the
 * previous one, encodes it once, keeps a window of recent versions for resuming clients and hands every version to
 * each event loop's group of streams. Runs on the publishing thread (a worker thread, never an event loop), with work
 * bounded by the snapshot's size whatever the number of streams.
 */
@ApplicationScoped
public class WatchFeed {

    private static final Logger LOG = Logger.getLogger(WatchFeed.class);
    /** How long a shutdown waits for the streams' last events to be written. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

    @Inject
    SnapshotBus bus;

    @Inject
    WatchConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    HistoryService history;

    @Inject
    Vertx vertx;

    private WorkerExecutor historyReader;

    private final Object lock = new Object();
    private final Object acceptLock = new Object();
    private final ArrayDeque<WatchVersion> window = new ArrayDeque<>();
    private volatile WatchVersion latest;
    /** What the window held in bytes at the last version, for the gauge. */
    private volatile long windowBytes;

    private final Set<WatchSubscriber> subscribers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger reserved = new AtomicInteger();
    private volatile Cancellable subscription;
    private volatile boolean closing;
    private final List<Gauge> gauges = new ArrayList<>();

    void start(@Observes StartupEvent event) {
        gauges.add(Gauge.builder("pgactive.watch.subscribers", subscribers, Set::size)
                .description("Open GET /watch streams")
                .register(registry));
        gauges.add(Gauge.builder("pgactive.watch.window.versions", this, WatchFeed::windowSize)
                .description("Versions the GET /watch replay window holds")
                .register(registry));
        gauges.add(Gauge.builder("pgactive.watch.window.bytes", this, WatchFeed::windowBytes)
                .description("Encoded bytes the GET /watch replay window holds (pgactive.watch.window-bytes caps it)")
                .register(registry));
        historyReader = vertx.createSharedWorkerExecutor("pgactive-watch-history", 1);
        subscribe();
    }

    private void subscribe() {
        bus.latest().ifPresent(this::accept);
        // On the publishing thread: a hop to a worker pool costs each version a wake-up (milliseconds on a busy
        // machine) before any stream sees it. What runs here is bounded by the snapshot's size (one parse, one diff,
        // one encoding) and never waits for a client: the fan-out and every other encoding run on the event loops.
        // After falling behind, the latest version arrives with a gap and resets every stream.
        subscription = bus.follow("watch feed", null, this::accept);
    }

    void accept(PublishedSnapshot published) {
        ObjectNode state;
        try {
            state = MergePatch.canonical((ObjectNode) SnapshotJson.MAPPER.readTree(published.json()));
        } catch (IOException e) {
            LOG.errorf(e, "snapshot %d is not readable JSON", published.version());
            return;
        }
        synchronized (acceptLock) {
            WatchVersion before = latest;
            if (before != null && published.version() <= before.version) {
                return;
            }
            boolean gap = before == null || published.version() != before.version + 1;
            // diff and encoding happen before the subscriber lock, which a connecting stream's event loop may wait on
            WatchVersion v = new WatchVersion(
                    published.version(),
                    gap ? null : MergePatch.diff(before.state(), state),
                    state,
                    gap ? null : before);
            if (!gap && !subscribers.isEmpty()) {
                // other selections are encoded by the first event loop that needs them, in parallel with the others;
                // without a stream nobody may ever read this one: a resuming client's event loop encodes it then
                v.delta(NodeFilter.ALL);
            }
            synchronized (lock) {
                if (gap) {
                    window.clear();
                }
                window.addLast(v);
                trimWindow();
                latest = v;
                for (DrainGroup g : groups.values()) {
                    g.publish(v, gap);
                }
            }
            if (before != null) {
                before.superseded();
            }
        }
    }

    /**
     * Drops the oldest versions beyond the window's length or its byte budget (the latest always stays). The bytes are
     * counted afresh: event loops add a filter's delta to a version after it was published.
     */
    private void trimWindow() {
        while (window.size() > config.window()) {
            window.removeFirst();
        }
        long budget = config.windowBytes().asLongValue();
        long bytes = 0;
        for (WatchVersion v : window) {
            bytes += v.retainedBytes();
        }
        while (bytes > budget && window.size() > 1) {
            bytes -= window.removeFirst().retainedBytes();
        }
        windowBytes = bytes;
    }

    /** Latest version, or null before the first snapshot. */
    WatchVersion latest() {
        return latest;
    }

    /** The latest version's number and snapshot frames for one filter, read consistently. */
    record Current(long version, byte[] frames) {}

    Current current(NodeFilter filter) {
        synchronized (lock) {
            return new Current(latest.version, latest.snapshot(filter));
        }
    }

    // keyed by event-loop thread: each request has its own duplicated context, but they share a handful of loops
    private final Map<Thread, DrainGroup> groups = new ConcurrentHashMap<>();

    /** The drain group of the calling event loop. */
    DrainGroup group(Context context) {
        return groups.computeIfAbsent(Thread.currentThread(), t -> new DrainGroup(context, config.subscriberBuffer()));
    }

    /** Takes a place under the subscriber cap; false when full. */
    boolean reserve() {
        if (reserved.incrementAndGet() > config.maxSubscribers()) {
            reserved.decrementAndGet();
            return false;
        }
        return true;
    }

    void release() {
        reserved.decrementAndGet();
    }

    /**
     * Registers a stream and queues what it must see first: nothing when it is current, the missed deltas when the
     * window still holds them, otherwise (or without {@code since}) a snapshot, preceded by {@code reset} when the
     * client asked to resume.
     */
    void subscribe(WatchSubscriber s, Long since) {
        synchronized (lock) {
            WatchVersion now = latest;
            List<byte[]> preface = new ArrayList<>();
            List<WatchVersion> replay = new ArrayList<>();
            HistoryReplay.Cursor history = null;
            if (since == null) {
                preface.add(now.snapshot(s.filter));
            } else if (since > now.version) {
                preface.add(reset(
                        "ahead",
                        "version " + since + " is newer than the current version " + now.version,
                        now.version));
                preface.add(now.snapshot(s.filter));
            } else if (since < now.version) {
                // the oldest version a client may hold and still be brought up to date from memory alone
                WatchVersion first = window.peekFirst();
                long reach = first.hasPatch ? first.version - 1 : first.version;
                if (since < reach && since > 0) {
                    // older than the window: the history database fills in up to the window, memory does the rest
                    history = HistoryReplay.Cursor.after(since, reach);
                }
                if (since >= reach || history != null) {
                    long from = Math.max(since, reach);
                    for (WatchVersion v : window) {
                        if (v.version > from) {
                            replay.add(v);
                        }
                    }
                } else {
                    preface.add(reset("too_old", "version " + since + " is older than the replay window", now.version));
                    preface.add(now.snapshot(s.filter));
                }
            }
            s.start(preface, replay, now.version, history);
            subscribers.add(s);
        }
    }

    /**
     * Reads the next page of a history replay on the history reader (never an event loop: SQLite blocks) and hands
     * it to {@code done} on {@code context}. One reader thread: a resume from far back waits its turn rather than
     * taking threads from anything else. A read that fails is a missing version: the stream falls back to a reset.
     */
    void readHistory(HistoryReplay.Cursor at, NodeFilter filter, Context context, Consumer<HistoryReplay.Page> done) {
        historyReader
                .executeBlocking(() -> explained(HistoryReplay.read(this::stored, at, filter)), false)
                .onComplete(result -> {
                    if (result.failed()) {
                        LOG.warnf(
                                "watch: cannot replay version %d from the history: %s",
                                at.next(), result.cause().toString());
                    }
                    HistoryReplay.Page page =
                            result.succeeded() ? result.result() : HistoryReplay.Page.missing(at, at.next());
                    context.runOnContext(x -> done.accept(page));
                });
    }

    /** A page that stops at a missing version, saying why it is missing when it was never published. */
    private HistoryReplay.Page explained(HistoryReplay.Page page) {
        if (page.missing() == null) {
            return page;
        }
        long missing = page.missing();
        return history.queries().publishedAfterGap(missing).stream()
                .mapToObj(next -> page.because("versions " + missing + " to " + (next - 1)
                        + " were never published (the " + "service restarted: versions are reserved in blocks)"))
                .findFirst()
                .orElse(page);
    }

    /** A version's published JSON, when the history still holds it whole (not expired, not thinned). */
    private Optional<byte[]> stored(long version) {
        return history.queries().snapshot(version).filter(s -> !s.gone()).map(HistoryQueries.StoredSnapshot::json);
    }

    byte[] reset(String reason, String detail, long version) {
        countReset(reason);
        return resetFrame(reason, detail, version);
    }

    void countReset(String reason) {
        Counter.builder("pgactive.watch.resets")
                .description("reset events sent to GET /watch streams, by reason")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    static byte[] resetFrame(String reason, String detail, long version) {
        return SseFrames.event(
                "reset", "{\"reason\":\"" + reason + "\",\"detail\":\"" + detail + "\",\"version\":" + version + "}");
    }

    void disconnected(WatchSubscriber s, String reason) {
        if (subscribers.remove(s)) {
            release();
            if (reason != null) {
                Counter.builder("pgactive.watch.disconnects")
                        .description("GET /watch streams ended by the server, by reason")
                        .tag("reason", reason)
                        .register(registry)
                        .increment();
            }
        }
    }

    WatchConfig config() {
        return config;
    }

    /** The longest queue of any open stream: never above the subscriber buffer. */
    int maxPending() {
        return subscribers.stream().mapToInt(WatchSubscriber::pending).max().orElse(0);
    }

    int subscriberCount() {
        return subscribers.size();
    }

    /**
     * The first step of a shutdown (SIGTERM), while the HTTP server still runs: Quarkus closes the server's
     * connections before {@link ShutdownEvent}, which would cut every stream mid-transfer.
     */
    void shutdownStarted(@Observes ShutdownDelayInitiatedEvent event) {
        closing = true;
        endStreams();
    }

    void stop(@Observes ShutdownEvent event) {
        closing = true;
        gauges.forEach(registry::remove); // the registry may outlive this instance (tests restart the application)
        Cancellable c = subscription;
        if (c != null) {
            c.cancel();
        }
        if (historyReader != null) {
            historyReader.close();
        }
        endStreams();
    }

    /** Whether the service is shutting down: new streams are refused. */
    boolean closing() {
        return closing;
    }

    /**
     * Sends every open stream its {@code shutdown} event and ends it, waiting until they are written, or for a client
     * that does not read, at most {@link #SHUTDOWN_GRACE}.
     */
    private void endStreams() {
        List<Future<Void>> ends = new ArrayList<>();
        for (WatchSubscriber s : subscribers) {
            ends.add(s.shutdown());
        }
        if (ends.isEmpty()) {
            return;
        }
        CountDownLatch written = new CountDownLatch(1);
        Future.join(ends).onComplete(r -> written.countDown());
        try {
            if (!written.await(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf(
                        "watch: %d stream(s) did not take their shutdown event within %s", ends.size(), SHUTDOWN_GRACE);
            } else {
                LOG.infof("watch: %d stream(s) ended with a shutdown event", ends.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The versions in the window, oldest first. */
    List<WatchVersion> window() {
        synchronized (lock) {
            return List.copyOf(window);
        }
    }

    /** Encoded bytes the window held after the latest version. */
    long windowBytes() {
        return windowBytes;
    }

    /** How many versions a resuming client can still get as deltas. */
    int windowSize() {
        synchronized (lock) {
            return window.size();
        }
    }
}
