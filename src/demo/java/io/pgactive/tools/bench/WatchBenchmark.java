package io.pgactive.tools.bench;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.ServiceConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fan-out cost of {@code GET /watch}: N concurrent SSE subscribers on loopback against the packaged service scraping
 * real local nodes. Prints delivery latency from a version's {@code collected_at} (the end of its scrape cycle, just
 * before it is published) to the moment each subscriber has read the version's last event, p50/p99/max over all
 * subscribers and versions; versions missed (a gap or a reset on any subscriber); the service's CPU and heap.
 * Run through {@code bench/watch.sh}.
 */
public final class WatchBenchmark {

    private static final Pattern COLLECTED_AT = Pattern.compile("\"collected_at\":\"([^\"]+)\"");

    /** Reads one stream line by line without a thread of its own. */
    static final class Subscriber implements Flow.Subscriber<String> {
        final boolean timekeeper;
        final Map<Long, Instant> collectedAt;
        final List<long[]> received = new ArrayList<>(); // version, epoch micros
        volatile long last = -1;
        volatile int gaps;
        volatile int resets;
        volatile boolean ended;
        private String event;
        private String id;
        private String pendingCollectedAt;

        Subscriber(boolean timekeeper, Map<Long, Instant> collectedAt) {
            this.timekeeper = timekeeper;
            this.collectedAt = collectedAt;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        /** When the bytes being parsed arrived: parsing is the client's cost, not part of the delivery. */
        private Instant arrived;

        @Override
        public void onNext(String line) {
            if (line.isEmpty()) {
                if (id != null && ("delta".equals(event) || "snapshot".equals(event))) {
                    long v = Long.parseLong(id);
                    Instant now = arrived != null ? arrived : Instant.now();
                    if ("delta".equals(event)) {
                        if (last >= 0 && v != last + 1) {
                            gaps++;
                        }
                        synchronized (received) {
                            received.add(new long[] {v, now.getEpochSecond() * 1_000_000 + now.getNano() / 1000});
                        }
                    }
                    if (timekeeper && pendingCollectedAt != null) {
                        collectedAt.put(v, Instant.parse(pendingCollectedAt));
                    }
                    pendingCollectedAt = null;
                    last = v;
                } else if ("reset".equals(event)) {
                    resets++;
                }
                event = null;
                id = null;
            } else if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("id: ")) {
                id = line.substring(4);
            } else if (timekeeper && line.startsWith("data: ")) {
                Matcher m = COLLECTED_AT.matcher(line);
                if (m.find()) {
                    pendingCollectedAt = m.group(1);
                }
            }
        }

        private final StringBuilder partial = new StringBuilder();

        /** A piece of the response body from the Vert.x client, split into lines. */
        void feed(Buffer chunk) {
            arrived = Instant.now();
            String text = chunk.toString(StandardCharsets.UTF_8);
            int start = 0;
            int nl;
            while ((nl = text.indexOf('\n', start)) >= 0) {
                partial.append(text, start, nl);
                onNext(partial.toString());
                partial.setLength(0);
                start = nl + 1;
            }
            partial.append(text, start, text.length());
        }

        @Override
        public void onError(Throwable t) {
            ended = true;
        }

        @Override
        public void onComplete() {
            ended = true;
        }
    }

    public static void main(String[] args) throws Exception {
        int nodes = Integer.parseInt(ScrapeBenchmark.arg(args, "--nodes", "10"));
        int subscribers = Integer.parseInt(ScrapeBenchmark.arg(args, "--subscribers", "1000"));
        Duration interval = Duration.ofMillis(Long.parseLong(ScrapeBenchmark.arg(args, "--interval-ms", "1000")));
        Duration warmup = Duration.ofSeconds(Long.parseLong(ScrapeBenchmark.arg(args, "--warmup-s", "10")));
        Duration measure = Duration.ofSeconds(Long.parseLong(ScrapeBenchmark.arg(args, "--measure-s", "60")));
        Path jar = Path.of(ScrapeBenchmark.arg(args, "--jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        Path work = Files.createTempDirectory("watch-bench");

        try (PgCluster cluster = PgCluster.standalone(nodes, work.resolve("cluster"))) {
            ScrapeBenchmark.seedPgactive(cluster.nodes());
            Path config = ServiceConfig.write(work, cluster.nodes(), "interval: " + interval.toMillis() + "ms\n");

            int port = ScrapeBenchmark.freePort();
            Process service = ScrapeBenchmark.startService(
                    jar,
                    config,
                    port,
                    work,
                    Map.of("PGACTIVE_WATCH_MAX_SUBSCRIBERS", Integer.toString(subscribers + 10)));
            try {
                String base = "http://127.0.0.1:" + port;
                ScrapeBenchmark.awaitReady(base, service);
                Map<Long, Instant> collectedAt = new ConcurrentHashMap<>();
                // a Vert.x client on two event loops: the JDK client's per-line dispatch costs more CPU than the
                // service itself at this fan-out and would measure the client rather than the service
                Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
                HttpClient http = vertx.createHttpClient(
                        new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(subscribers + 10));
                List<Subscriber> subs = new ArrayList<>();
                for (int i = 0; i < subscribers; i++) {
                    Subscriber s = new Subscriber(i == 0, collectedAt);
                    subs.add(s);
                    http.request(HttpMethod.GET, port, "127.0.0.1", "/watch")
                            .compose(req ->
                                    req.putHeader("Accept", "text/event-stream").send())
                            .onSuccess(resp -> {
                                resp.handler(s::feed);
                                resp.endHandler(x -> s.ended = true);
                                resp.exceptionHandler(x -> s.ended = true);
                            })
                            .onFailure(t -> s.ended = true);
                }
                long connectDeadline =
                        System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (subs.stream().anyMatch(s -> s.last < 0) && System.nanoTime() < connectDeadline) {
                    Thread.sleep(100);
                }
                long connected = subs.stream().filter(s -> s.last >= 0).count();
                System.out.printf(
                        Locale.ROOT,
                        "nodes=%d subscribers=%d connected=%d interval=%dms%n",
                        nodes,
                        subscribers,
                        connected,
                        interval.toMillis());
                Thread.sleep(warmup.toMillis());
                long v0 = ScrapeBenchmark.version(base);
                long cpu0 = ScrapeBenchmark.cpuMillis(service.pid());
                long clientCpu0 =
                        ScrapeBenchmark.cpuMillis(ProcessHandle.current().pid());
                double heapMax = 0;
                long end = System.nanoTime() + measure.toNanos();
                while (System.nanoTime() < end) {
                    Thread.sleep(5000);
                    heapMax = Math.max(
                            heapMax,
                            ScrapeBenchmark.sum(
                                    ScrapeBenchmark.get(base + "/q/metrics"),
                                    "jvm_memory_used_bytes\\{area=\"heap\"[^}]*}"));
                }
                long cpu1 = ScrapeBenchmark.cpuMillis(service.pid());
                long clientCpu1 =
                        ScrapeBenchmark.cpuMillis(ProcessHandle.current().pid());
                long v1 = ScrapeBenchmark.version(base);
                long settle = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (subs.stream().anyMatch(s -> s.last < v1 && !s.ended) && System.nanoTime() < settle) {
                    Thread.sleep(50);
                }
                String metrics = ScrapeBenchmark.get(base + "/q/metrics");
                ScrapeBenchmark.run("jcmd", Long.toString(service.pid()), "GC.run");
                double heapAfterGc = ScrapeBenchmark.sum(
                        ScrapeBenchmark.get(base + "/q/metrics"), "jvm_memory_used_bytes\\{area=\"heap\"[^}]*}");

                // per version: the first and the last subscriber to receive it; a late first delivery is time spent
                // before the fan-out (scrape end to publish, feed), a wide spread is the fan-out and the readers
                Map<Long, long[]> spread = new TreeMap<>();
                List<Long> latencies = new ArrayList<>();
                long missed = 0;
                for (Subscriber s : subs) {
                    missed += s.gaps + s.resets + (s.last >= v1 ? 0 : v1 - Math.max(s.last, v0));
                    synchronized (s.received) {
                        for (long[] r : s.received) {
                            Instant c = collectedAt.get(r[0]);
                            if (r[0] > v0 && r[0] <= v1 && c != null) {
                                long l = r[1] - (c.getEpochSecond() * 1_000_000 + c.getNano() / 1000);
                                latencies.add(l);
                                spread.merge(r[0], new long[] {l, l}, (a, b) ->
                                        new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                            }
                        }
                    }
                }
                long[] l = latencies.stream().mapToLong(Long::longValue).toArray();
                Arrays.sort(l);
                System.out.printf(
                        Locale.ROOT,
                        "versions=%d deliveries=%d (expected %d)%n",
                        v1 - v0,
                        l.length,
                        (v1 - v0) * subscribers);
                if (l.length > 0) {
                    System.out.printf(
                            Locale.ROOT,
                            "latency_ms collected_at->received p50=%.1f p99=%.1f max=%.1f%n",
                            l[l.length / 2] / 1000.0,
                            l[(int) Math.min(l.length - 1, Math.floor(l.length * 0.99))] / 1000.0,
                            l[l.length - 1] / 1000.0);
                }
                StringBuilder slowest = new StringBuilder("slowest_versions_ms first..last:");
                spread.entrySet().stream()
                        .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
                        .limit(8)
                        .forEach(e -> slowest.append(String.format(
                                Locale.ROOT,
                                " v%d=%.1f..%.1f",
                                e.getKey(),
                                e.getValue()[0] / 1000.0,
                                e.getValue()[1] / 1000.0)));
                System.out.println(slowest);
                long[] firsts =
                        spread.values().stream().mapToLong(a -> a[0]).sorted().toArray();
                if (firsts.length > 0) {
                    System.out.printf(
                            Locale.ROOT,
                            "first_delivery_ms p50=%.1f max=%.1f%n",
                            firsts[firsts.length / 2] / 1000.0,
                            firsts[firsts.length - 1] / 1000.0);
                }
                System.out.printf(
                        Locale.ROOT,
                        "versions_missed=%d ended_streams=%d%n",
                        missed,
                        subs.stream().filter(s -> s.ended).count());
                System.out.printf(
                        Locale.ROOT,
                        "service_cpu=%.1f%% of one core (%.1f ms per version)%n",
                        (cpu1 - cpu0) * 100.0 / measure.toMillis(),
                        (cpu1 - cpu0) / (double) Math.max(1, v1 - v0));
                System.out.printf(
                        Locale.ROOT,
                        "client_cpu=%.1f%% of one core (the subscribers share the machine)%n",
                        (clientCpu1 - clientCpu0) * 100.0 / measure.toMillis());
                System.out.printf(
                        Locale.ROOT,
                        "heap_used_max_mb=%.1f heap_after_gc_mb=%.1f service_rss_mb=%.1f%n",
                        heapMax / 1024 / 1024,
                        heapAfterGc / 1024 / 1024,
                        ScrapeBenchmark.rssKb(service.pid()) / 1024.0);
                System.out.printf(
                        Locale.ROOT,
                        "watch_subscribers_gauge=%.0f%n",
                        ScrapeBenchmark.sum(metrics, "pgactive_watch_subscribers"));
                vertx.close().toCompletionStage().toCompletableFuture().join();
            } finally {
                service.destroy();
                service.waitFor();
            }
        }
    }
}
