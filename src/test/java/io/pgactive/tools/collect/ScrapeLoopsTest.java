package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.ContextInternal;
import io.vertx.mutiny.core.Vertx;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Nodes are packed onto as few event loops as their number needs, and a thousand of them still use every loop. */
class ScrapeLoopsTest {

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    @Test
    void aHundredNodesShareALoopAndMoreSpreadOverTheOthers() {
        ScrapeLoops loops = new ScrapeLoops(vertx);

        Set<EventLoop> firstHundred = new HashSet<>();
        for (int i = 0; i < ScrapeLoops.NODES_PER_LOOP; i++) {
            firstHundred.add(loopOf(loops, i));
        }
        assertThat(firstHundred).hasSize(1);
        assertThat(loopOf(loops, ScrapeLoops.NODES_PER_LOOP)).isNotIn(firstHundred);

        Set<EventLoop> thousand = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            thousand.add(loopOf(loops, i));
        }
        assertThat(thousand).hasSize(4);
    }

    @Test
    void everyNodeGetsAContextOfItsOwn() {
        ScrapeLoops loops = new ScrapeLoops(vertx);
        assertThat(loops.contextFor(0)).isNotSameAs(loops.contextFor(0));
    }

    private static EventLoop loopOf(ScrapeLoops loops, int index) {
        return ((ContextInternal) loops.contextFor(index)).nettyEventLoop();
    }
}
