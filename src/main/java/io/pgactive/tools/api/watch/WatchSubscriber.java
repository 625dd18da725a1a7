package io.pgactive.tools.api.watch;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One open stream. The feed queues shared, pre-encoded versions here (bounded); the connection's event loop writes
 * them only while the connection's write queue has room. A client that lets {@code subscriberBuffer} versions pile up
 * loses them and gets a {@code reset} and a snapshot instead; one that cannot take even that within
 * {@code slowTimeout} is disconnected with a {@code close} event. Either way its memory stays bounded and the feed
 * never waits for it.
 */
final class WatchSubscriber {

    final NodeFilter filter;
    private final WatchFeed feed;
    private final HttpServerResponse response;
    private final Context context;
    private final DrainGroup group;
    private final int maxPending;
    private final long slowTimeoutNanos;

    // guarded by this
    private final ArrayDeque<byte[]> preface = new ArrayDeque<>();
    private final ArrayDeque<WatchVersion> pending = new ArrayDeque<>();
    private long lastQueued;
    private long startVersion;
    private HistoryReplay.Cursor history;
    private boolean historyReading;
    private boolean resync;
    private long resyncSince;
    private String resyncReason;
    private String resyncDetail;
    private boolean drainScheduled;
    private boolean closed;

    // event loop only
    private long lastWritten;
    private long fullSince;
    private long timer = -1;

    WatchSubscriber(WatchFeed feed, HttpServerResponse response, Context context, NodeFilter filter) {
        this.feed = feed;
        this.response = response;
        this.context = context;
        this.group = feed.group(context);
        this.filter = filter;
        this.maxPending = feed.config().subscriberBuffer();
        this.slowTimeoutNanos = feed.config().slowTimeout().toNanos();
    }

    /**
     * Called by the feed under its lock, before the first offer.
     *
     * @param replay  versions from memory, sent after the history replay when there is one
     * @param history the versions to rebuild from the history database first, or null
     */
    synchronized void start(List<byte[]> first, List<WatchVersion> replay, long version, HistoryReplay.Cursor history) {
        preface.addAll(first);
        pending.addAll(replay);
        lastQueued = version;
        startVersion = version;
        this.history = history;
        lastWritten = history != null ? history.next() - 1 : replay.isEmpty() ? version : replay.get(0).version - 1;
        group.add(this); // the route runs on this stream's event loop, the only thread touching the group's members
        scheduleDrain();
    }

    /** Called by the group on this stream's event loop, in version order; writing is left to {@link #drainNow}. */
    void offer(WatchVersion v, boolean gap) {
        boolean overflowAgain = false;
        synchronized (this) {
            if (closed || v.version <= lastQueued) {
                return;
            }
            if (gap) {
                pending.clear();
                startResync("gap", "the service skipped versions; here is the full state");
            } else if (live() >= maxPending) {
                pending.clear();
                overflowAgain = resync;
                startResync(
                        "slow_consumer",
                        "the client fell more than " + maxPending + " versions behind; here is the full state");
            } else {
                pending.add(v);
                lastQueued = v.version;
            }
        }
        if (overflowAgain) {
            context.runOnContext(x -> disconnect("slow_consumer", "the client did not read its reset in time"));
        }
    }

    /** Writes what is queued; on this stream's event loop. */
    void drainNow() {
        drain();
    }

    /**
     * Versions queued since the stream started: what it let pile up. A resume's backlog (the replay it asked for) does
     * not count, or resuming from further back than the buffer would always end in a reset.
     */
    private int live() {
        if (pending.isEmpty()) {
            return 0;
        }
        long firstLive = Math.max(startVersion + 1, pending.peekFirst().version);
        return (int) Math.max(0, pending.peekLast().version - firstLive + 1);
    }

    private void startResync(String reason, String detail) {
        if (!resync) {
            resync = true;
            resyncReason = reason;
            resyncDetail = detail;
            resyncSince = System.nanoTime();
            feed.countReset(reason); // counted when decided: the client may never read it
        }
    }

    private void scheduleDrain() {
        synchronized (this) {
            if (drainScheduled || closed) {
                return;
            }
            drainScheduled = true;
        }
        group.schedule(this::drain);
    }

    private void drain() {
        synchronized (this) {
            drainScheduled = false;
        }
        while (true) {
            if (response.writeQueueFull()) {
                if (fullSince == 0) {
                    fullSince = System.nanoTime();
                }
                response.drainHandler(x -> drain());
                return;
            }
            fullSince = 0;
            byte[] next;
            boolean needResync;
            synchronized (this) {
                if (closed) {
                    return;
                }
                needResync = resync;
                next = preface.poll();
                if (next == null && !needResync && history != null) {
                    if (!historyReading) {
                        historyReading = true;
                        HistoryReplay.Cursor at = history;
                        feed.readHistory(at, filter, context, page -> historyRead(at, page));
                    }
                    return; // the rest waits for the history, which comes before anything queued
                }
                if (next == null && !needResync) {
                    WatchVersion v = pending.poll();
                    if (v == null) {
                        return;
                    }
                    next = v.delta(filter);
                    lastWritten = v.version;
                }
            }
            if (next == null) {
                next = resync();
                if (next == null) {
                    continue;
                }
            }
            response.write(Buffer.buffer(next));
        }
    }

    /** A page of the history replay, back on this stream's event loop. */
    private void historyRead(HistoryReplay.Cursor at, HistoryReplay.Page page) {
        synchronized (this) {
            if (closed || history != at) {
                return; // the stream was reset or closed meanwhile: the page is of no use
            }
            historyReading = false;
            if (page.missing() != null) {
                history = null;
                startResync("too_old", page.why() + "; here is the full state");
            } else {
                preface.addAll(page.frames());
                lastWritten = page.after().next() - 1;
                history = page.after().done() ? null : page.after();
            }
        }
        drain();
    }

    /** Reset frames for the latest version, or null when an overflow happened meanwhile and it must be redone. */
    private byte[] resync() {
        WatchFeed.Current now = feed.current(filter);
        String reason;
        String detail;
        synchronized (this) {
            pending.removeIf(v -> v.version <= now.version());
            if (!pending.isEmpty() && pending.peekFirst().version != now.version() + 1) {
                return null;
            }
            resync = false;
            history = null;
            historyReading = false;
            lastQueued = Math.max(lastQueued, now.version());
            lastWritten = now.version();
            reason = resyncReason;
            detail = resyncDetail;
        }
        byte[] reset = WatchFeed.resetFrame(reason, detail, now.version());
        byte[] frames = new byte[reset.length + now.frames().length];
        System.arraycopy(reset, 0, frames, 0, reset.length);
        System.arraycopy(now.frames(), 0, frames, reset.length, now.frames().length);
        return frames;
    }

    /** Starts heartbeats and close handling; on the connection's event loop. */
    void open(Vertx vertx, long heartbeatMillis) {
        response.closeHandler(x -> closed(null));
        response.exceptionHandler(x -> closed(null));
        timer = vertx.setPeriodic(heartbeatMillis, id -> tick());
    }

    private void tick() {
        long now = System.nanoTime();
        boolean stuck;
        boolean idle;
        synchronized (this) {
            if (closed) {
                return;
            }
            stuck = resync && now - resyncSince > slowTimeoutNanos;
            idle = preface.isEmpty() && pending.isEmpty() && !resync && history == null;
        }
        if (stuck || fullSince != 0 && now - fullSince > slowTimeoutNanos) {
            disconnect("slow_consumer", "the connection stayed full for longer than the slow-consumer timeout");
        } else if (idle && !response.writeQueueFull()) {
            response.write(Buffer.buffer(SseFrames.event("heartbeat", "{\"version\":" + lastWritten + "}")));
        }
    }

    /** Ends the stream with a last event saying why; on the connection's event loop. */
    void disconnect(String reason, String detail) {
        if (!markClosed()) {
            return;
        }
        feed.disconnected(this, reason);
        cancelTimer();
        if (!response.closed() && !response.ended()) {
            response.end(Buffer.buffer(SseFrames.event(
                    "close",
                    "{\"reason\":\"" + reason + "\",\"detail\":\"" + detail + "\",\"version\":" + lastWritten + "}")));
            response.close(); // it does not read: do not wait for it to take the last bytes
        }
    }

    /**
     * Ends the stream with a {@code shutdown} event naming the last version it was sent.
     *
     * @return completed once the event and the response's end are written (or the stream was already closed)
     */
    Future<Void> shutdown() {
        Promise<Void> written = Promise.promise();
        context.runOnContext(x -> {
            if (!markClosed()) {
                written.tryComplete();
                return;
            }
            feed.disconnected(this, null);
            cancelTimer();
            if (response.closed() || response.ended()) {
                written.tryComplete();
                return;
            }
            response.end(Buffer.buffer(SseFrames.event(
                            "shutdown", "{\"reason\":\"server shutting down\",\"version\":" + lastWritten + "}")))
                    .onComplete(r -> written.tryComplete());
        });
        return written.future();
    }

    /** Closes the stream once and drops what it still had queued; false when it was already closed. */
    private boolean markClosed() {
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            pending.clear();
            preface.clear();
        }
        group.remove(this); // every closing path runs on this stream's event loop
        return true;
    }

    private void closed(String reason) {
        if (!markClosed()) {
            return;
        }
        cancelTimer();
        feed.disconnected(this, reason);
    }

    private void cancelTimer() {
        if (timer >= 0) {
            context.owner().cancelTimer(timer);
            timer = -1;
        }
    }

    /** Versions queued and not yet written; bounded by the subscriber buffer. */
    synchronized int pending() {
        return pending.size();
    }
}
