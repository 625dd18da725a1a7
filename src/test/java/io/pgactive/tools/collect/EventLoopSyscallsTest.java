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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the scrape costs the one event-loop thread that runs it, counted by the kernel: a scrape sends all its
 * statements (the node's own, the dialects', the custom queries) in one round trip, which must leave the service in one
 * write, not one per statement; and between scrapes the loop sleeps.
 */
class EventLoopSyscallsTest {

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

    /**
     * A wake-up of an otherwise idle thread costs more than most of a scrape's work on this loop; between two cycles
     * nothing of the node's (its pool's idle-connection check, say) may wake it every second. Counted from outside the
     * loop, which reading its counters on it would wake.
     */
    @Test
    void betweenScrapesTheEventLoopSleeps() throws Exception {
        Path status = Path.of("/proc/self/task");
        assumeTrue(Files.isDirectory(status), "needs Linux's per-thread status");
        PgNode node = pg.node("node1");
        try (CollectorHarness h = new CollectorHarness(
                pg.dir().resolve("idle"),
                "interval: 10s\ntimeout: 5s\n",
                List.of(node),
                Map.of(),
                TracerProvider.noop().get("test"),
                new VertxOptions().setEventLoopPoolSize(1))) {
            h.awaitAllHealthy();
            h.cycle();
            CompletableFuture<String> tid = new CompletableFuture<>();
            h.vertx.getDelegate().nettyEventLoopGroup().next().execute(() -> {
                try {
                    tid.complete(Files.readSymbolicLink(Path.of("/proc/thread-self"))
                            .getFileName()
                            .toString());
                } catch (IOException e) {
                    tid.completeExceptionally(e);
                }
            });
            Path loop = status.resolve(tid.get(10, TimeUnit.SECONDS)).resolve("status");
            long before = sleeps(loop);
            // a window with no cycle in it, long enough for a once-a-second timer to fire several times
            Thread.sleep(IDLE_WINDOW.toMillis());
            long wakeUps = sleeps(loop) - before;

            assertThat(wakeUps)
                    .as("times the event loop woke up in %d ms without a scrape", IDLE_WINDOW.toMillis())
                    .isLessThanOrEqualTo(1);
        }
    }

    private static final Duration IDLE_WINDOW = Duration.ofSeconds(5);

    /** How often the thread went to sleep: once after every wake-up. */
    private static long sleeps(Path status) throws IOException {
        return Files.readAllLines(status).stream()
                .filter(l -> l.startsWith("voluntary_ctxt_switches:"))
                .mapToLong(l -> Long.parseLong(
                        l.substring("voluntary_ctxt_switches:".length()).trim()))
                .findFirst()
                .orElseThrow();
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
