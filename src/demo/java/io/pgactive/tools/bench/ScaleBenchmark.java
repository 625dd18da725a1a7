package io.pgactive.tools.bench;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Many node entries on a few real servers: for each size, the service scrapes that many entries (spread over the
 * servers, at most {@link #PER_SERVER} each: the test servers allow 30 connections) at the interval, and this prints
 * the cycle wall time p50/p99, CPU per cycle and per node-scrape (the curve across sizes), versions published against
 * versions stored, and what one {@code /watch} subscriber saw (deltas, resets, gaps in the version ids). Run through
 * {@code bench/scale.sh}.
 */
public final class ScaleBenchmark {

    private static final int PER_SERVER = 25;
    private static final Pattern ID = Pattern.compile("^id: ?(\\d+)");

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = new ArrayList<>();
        for (String s : ScrapeBenchmark.arg(args, "--sizes", "10,100,500,1000").split(",")) {
            sizes.add(Integer.parseInt(s.strip()));
        }
        Duration interval = Duration.ofMillis(Long.parseLong(ScrapeBenchmark.arg(args, "--interval-ms", "2000")));
        Duration warmup = Duration.ofSeconds(Long.parseLong(ScrapeBenchmark.arg(args, "--warmup-s", "30")));
        Duration measure = Duration.ofSeconds(Long.parseLong(ScrapeBenchmark.arg(args, "--measure-s", "60")));
        Path jar = Path.of(ScrapeBenchmark.arg(args, "--jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        String queries = ScrapeBenchmark.arg(args, "--queries", "");
        Path work = Files.createTempDirectory("scale-bench");
        int largest = sizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
        int servers = (largest + PER_SERVER - 1) / PER_SERVER;

        long t0 = System.nanoTime();
        try (PgCluster cluster = PgCluster.standalone(servers, work.resolve("cluster"))) {
            System.out.printf(
                    Locale.ROOT, "started %d PostgreSQL servers in %.1fs%n", servers, (System.nanoTime() - t0) / 1e9);
            System.out.println(
                    "entries | servers | cycles | cycle p50 / p99 ms | CPU ms per cycle | CPU us per node-scrape"
                            + " | published / stored versions | watch: deltas, resets, gaps | load average");
            for (int entries : sizes) {
                run(cluster.nodes(), entries, interval, warmup, measure, jar, queries, work.resolve("n" + entries));
            }
        }
    }

    private static void run(
            List<PgNode> servers,
            int entries,
            Duration interval,
            Duration warmup,
            Duration measure,
            Path jar,
            String queries,
            Path work)
            throws Exception {
        int used = Math.min(servers.size(), (entries + PER_SERVER - 1) / PER_SERVER);
        StringBuilder yaml = new StringBuilder("collector:\n  interval: " + interval.toMillis() + "ms\n");
        if (!queries.isBlank()) {
            yaml.append("  queries_dir: ")
                    .append(Path.of(queries).toAbsolutePath())
                    .append('\n');
        }
        yaml.append("  nodes:\n");
        for (int i = 0; i < entries; i++) {
            PgNode server = servers.get(i % used);
            yaml.append(String.format(Locale.ROOT, "    - { name: e%04d, dsn: \"%s\" }%n", i, server.dsn()));
        }
        yaml.append("database:\n  path: ")
                .append(work.resolve("data/replication_state.db"))
                .append('\n');
        Files.createDirectories(work);
        Path config = work.resolve("tools.yaml");
        Files.writeString(config, yaml);

        int port = ScrapeBenchmark.freePort();
        Process service = ScrapeBenchmark.startService(jar, config, port, work, Map.of());
        Watcher watcher = null;
        try {
            String base = "http://127.0.0.1:" + port;
            try {
                ScrapeBenchmark.awaitReady(base, service);
            } catch (IllegalStateException notReady) {
                // readiness waits for the first snapshot: its first cycle did not end within the wait
                System.out.printf(
                        Locale.ROOT,
                        "%d | %d | no first snapshot within 60 s (see %s) | %s",
                        entries,
                        used,
                        work.resolve("service.log"),
                        Files.readString(Path.of("/proc/loadavg")));
                return;
            }
            ScrapeBenchmark.firstRequests(base);
            Thread.sleep(warmup.toMillis());
            watcher = Watcher.start(base);
            String metrics0 = ScrapeBenchmark.get(base + "/q/metrics");
            long v0 = ScrapeBenchmark.version(base);
            long cpu0 = ScrapeBenchmark.cpuMillis(service.pid());
            Thread.sleep(measure.toMillis());
            long cpu1 = ScrapeBenchmark.cpuMillis(service.pid());
            long v1 = ScrapeBenchmark.version(base);
            String metrics1 = ScrapeBenchmark.get(base + "/q/metrics");
            long stored0 = (long) ScrapeBenchmark.sum(metrics0, "pgactive_store_stored_version");
            long stored1 = (long) ScrapeBenchmark.sum(metrics1, "pgactive_store_stored_version");
            long cycles = v1 - v0;
            double cpuPerCycle = (cpu1 - cpu0) / (double) cycles;
            System.out.printf(
                    Locale.ROOT,
                    "%d | %d | %d | %.0f / %.0f | %.1f | %.1f | %d / %d | %d, %d, %d | %s",
                    entries,
                    used,
                    cycles,
                    ScrapeBenchmark.quantile(metrics0, metrics1, "pgactive_scrape_cycle_duration_seconds", 0.5) * 1000,
                    ScrapeBenchmark.quantile(metrics0, metrics1, "pgactive_scrape_cycle_duration_seconds", 0.99) * 1000,
                    cpuPerCycle,
                    cpuPerCycle * 1000 / entries,
                    cycles,
                    stored1 - stored0,
                    watcher.deltas.get(),
                    watcher.resets.get(),
                    watcher.gaps.get(),
                    Files.readString(Path.of("/proc/loadavg")));
        } finally {
            if (watcher != null) {
                watcher.stop();
            }
            service.destroy();
            service.waitFor();
        }
    }

    /** One {@code /watch} subscriber counting deltas, resets and ids that skip a version. */
    private static final class Watcher {
        final AtomicLong deltas = new AtomicLong();
        final AtomicLong resets = new AtomicLong();
        final AtomicLong gaps = new AtomicLong();
        private final Thread reader;

        private Watcher(String base) {
            reader = new Thread(() -> read(base), "watch-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static Watcher start(String base) {
            return new Watcher(base);
        }

        private void read(String base) {
            HttpClient http = HttpClient.newHttpClient();
            try {
                HttpResponse<InputStream> r = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/watch")).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    long last = -1;
                    String event = null;
                    for (String line;
                            (line = in.readLine()) != null
                                    && !Thread.currentThread().isInterrupted(); ) {
                        if (line.startsWith("event:")) {
                            event = line.substring(6).strip();
                            if (event.equals("reset")) {
                                resets.incrementAndGet();
                            }
                        }
                        Matcher m = ID.matcher(line);
                        if (m.find()) {
                            long id = Long.parseLong(m.group(1));
                            if ("delta".equals(event)) {
                                deltas.incrementAndGet();
                                if (last >= 0 && id != last + 1) {
                                    gaps.incrementAndGet();
                                }
                            }
                            last = id;
                        }
                    }
                }
            } catch (Exception stopped) {
                // the stream ends with the service
            }
        }

        void stop() {
            reader.interrupt();
        }
    }
}
