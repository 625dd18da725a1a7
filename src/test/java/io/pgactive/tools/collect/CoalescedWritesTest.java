package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opentelemetry.api.trace.TracerProvider;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.StandaloneCluster;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A scrape sends all its statements (the node's own, the dialects', the custom queries) in one round trip, which must
 * leave the service in one write, not one per statement. Counted with the kernel's own tally of write system calls made
 * by the one event-loop thread that runs the scrape.
 */
class CoalescedWritesTest {

    private static final Path THREAD_IO = Path.of("/proc/thread-self/io");

    @RegisterExtension
    static final StandaloneCluster pg = new StandaloneCluster();

    @Test
    void aScrapeIsOneWrite() throws Exception {
        assumeTrue(Files.isReadable(THREAD_IO), "needs Linux's per-thread I/O counters");
        Path svc = pg.dir().resolve("svc");
        Path queries = svc.resolve("queries");
        Files.createDirectories(queries);
        for (String name : List.of("a_one", "b_two", "c_three")) {
            Files.writeString(queries.resolve(name + ".sql"), "-- values: n:gauge\nSELECT 1 AS n");
        }
        PgNode node = pg.node("node1");
        try (CollectorHarness h = new CollectorHarness(
                svc,
                "interval: 10s\ntimeout: 5s\n",
                List.of(node),
                // plain TCP: with TLS every write is also a record, which would not change the count but hides it
                Map.of("node1", node.dsn() + "?sslmode=disable"),
                TracerProvider.noop().get("test"),
                new VertxOptions().setEventLoopPoolSize(1))) {
            h.awaitAllHealthy();
            // the first cycles prepare the statements, each prepared one pausing the pipeline until it is answered
            for (int i = 0; i < 3; i++) {
                h.cycle();
            }

            long before = writesOfTheEventLoop(h);
            NodeState n = h.cycle().nodes().get("node1");
            long writes = writesOfTheEventLoop(h) - before;

            assertThat(n.customErrors()).isEmpty();
            assertThat(n.custom()).containsKeys("a_one", "b_two", "c_three");
            // the node's own statement, the dialects' and the three custom queries, together
            assertThat(writes)
                    .as("write system calls of the event loop in one cycle")
                    .isEqualTo(1);
        }
    }

    /** The event loop's count of write system calls, read on that thread (the harness runs one loop). */
    private static long writesOfTheEventLoop(CollectorHarness h) throws Exception {
        CompletableFuture<Long> count = new CompletableFuture<>();
        h.vertx.getDelegate().nettyEventLoopGroup().next().execute(() -> count.complete(syscw()));
        return count.get(10, TimeUnit.SECONDS);
    }

    private static long syscw() {
        try {
            return Files.readAllLines(THREAD_IO).stream()
                    .filter(l -> l.startsWith("syscw:"))
                    .mapToLong(
                            l -> Long.parseLong(l.substring("syscw:".length()).trim()))
                    .findFirst()
                    .orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
