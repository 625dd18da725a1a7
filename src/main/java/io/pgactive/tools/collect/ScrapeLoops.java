package io.pgactive.tools.collect;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.impl.VertxInternal;
import io.vertx.mutiny.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * Which event loop each node's scrapes run on. The nodes are packed onto as few loops as their number needs, one
 * loop per {@value #NODES_PER_LOOP} nodes, rather than spread one by one over every loop: a node's scrape costs well
 * under a millisecond of a loop's time per cycle, and what a spread adds is wake-ups, one per loop per answer, each
 * a system call and a thread switch, which on a small pod cost more than the work they carry. A thousand node
 * entries still use every loop.
 */
final class ScrapeLoops {

    /** Sized so that a loop's share of a cycle stays a small fraction of the interval (about 60 ms of 2 s). */
    static final int NODES_PER_LOOP = 100;

    private final VertxInternal vertx;
    private final List<EventLoop> loops = new ArrayList<>();

    ScrapeLoops(Vertx vertx) {
        this.vertx = (VertxInternal) vertx.getDelegate();
        this.vertx.getEventLoopGroup().forEach(loop -> loops.add((EventLoop) loop));
    }

    /**
     * A new event-loop context for the node that comes {@code index}-th (from 0) among the scraped nodes: nodes 0 to
     * 99 share the first loop, 100 to 199 the second, and so on around the loops.
     */
    Context contextFor(int index) {
        EventLoop loop = loops.get(Math.floorMod(index / NODES_PER_LOOP, loops.size()));
        return vertx.createEventLoopContext(
                loop, vertx.getWorkerPool(), Thread.currentThread().getContextClassLoader());
    }
}
