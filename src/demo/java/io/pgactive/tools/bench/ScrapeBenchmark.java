package io.pgactive.tools.bench;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.PgactiveFixture;
import io.pgactive.tools.testing.ServiceConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Steady-state cost of scraping N real local nodes with the packaged service: CPU milliseconds per cycle, cycle
 * wall time p50/p99, publish delay p50/p99 (last answer to readable snapshot) and heap after a full GC.
 * Every node carries the pgactive catalog fixture (one peer, one lag row) and runs the shipped custom queries, so
 * each cycle runs every dialect's queries. Run through {@code bench/scrape.sh}.
 */
public final class ScrapeBenchmark {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        int nodes = Integer.parseInt(arg(args, "--nodes", "10"));
        Duration interval = Duration.ofMillis(Long.parseLong(arg(args, "--interval-ms", "2000")));
        Duration warmup = Duration.ofSeconds(Long.parseLong(arg(args, "--warmup-s", "30")));
        Duration measure = Duration.ofSeconds(Long.parseLong(arg(args, "--measure-s", "60")));
        Path jar = Path.of(arg(args, "--jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        Path queries = Path.of(arg(args, "--queries", "config/queries")).toAbsolutePath();
        String label = arg(args, "--label", jar.toString());
        Path work = Files.createTempDirectory("scrape-bench");

        long t0 = System.nanoTime();
        try (PgCluster cluster = PgCluster.standalone(nodes, work.resolve("cluster"))) {
            System.out.printf(
                    Locale.ROOT, "started %d PostgreSQL nodes in %.1fs%n", nodes, (System.nanoTime() - t0) / 1e9);
            seedPgactive(cluster.nodes());
            Path config = ServiceConfig.write(
                    work, cluster.nodes(), "interval: " + interval.toMillis() + "ms\nqueries_dir: " + queries + "\n");
            int port = freePort();
            Process service = startService(jar, config, port, work, Map.of());
            try {
                String base = "http://127.0.0.1:" + port;
                awaitReady(base, service);
                firstRequests(base);
                Thread.sleep(warmup.toMillis());
                String load0 = loadAverage();
                String metrics0 = get(base + "/q/metrics");
                long v0 = version(base);
                long cpu0 = cpuMillis(service.pid());
                Map<String, Long> threads0 = threadCpuMillis(service.pid());
                Thread.sleep(measure.toMillis());
                String load1 = loadAverage();
                long cpu1 = cpuMillis(service.pid());
                Map<String, Long> threads1 = threadCpuMillis(service.pid());
                long v1 = version(base);
                String metrics = get(base + "/q/metrics");
                String health = get(base + "/snapshot");
                run("jcmd", Long.toString(service.pid()), "GC.run");
                double heapAfterGc = sum(get(base + "/q/metrics"), "jvm_memory_used_bytes\\{area=\"heap\"[^}]*}");
                long cycles = v1 - v0;
                long healthy = Pattern.compile("\"status\":\"HEALTHY\"")
                        .matcher(health)
                        .results()
                        .count();
                System.out.printf(
                        Locale.ROOT,
                        "nodes=%d interval=%dms cycles=%d healthy_nodes=%d%n",
                        nodes,
                        interval.toMillis(),
                        cycles,
                        healthy - 1);
                System.out.printf(Locale.ROOT, "cpu_ms_per_cycle=%.2f%n", (cpu1 - cpu0) / (double) cycles);
                System.out.printf(
                        Locale.ROOT,
                        "cycle_wall_ms p50=%.1f p99=%.1f%n",
                        quantile(metrics0, metrics, "pgactive_scrape_cycle_duration_seconds", 0.5) * 1000,
                        quantile(metrics0, metrics, "pgactive_scrape_cycle_duration_seconds", 0.99) * 1000);
                System.out.printf(
                        Locale.ROOT,
                        "publish_delay_ms p50=%.3f p99=%.3f%n",
                        quantile(metrics0, metrics, "pgactive_snapshot_publish_delay_seconds", 0.5) * 1000,
                        quantile(metrics0, metrics, "pgactive_snapshot_publish_delay_seconds", 0.99) * 1000);
                System.out.printf(Locale.ROOT, "heap_after_gc_mb=%.1f%n", heapAfterGc / 1024 / 1024);
                System.out.printf(Locale.ROOT, "service_rss_mb=%.1f%n", rssKb(service.pid()) / 1024.0);
                StringBuilder top = new StringBuilder("cpu_ms_per_cycle_by_thread");
                threads1.entrySet().stream()
                        .map(e -> Map.entry(e.getKey(), e.getValue() - threads0.getOrDefault(e.getKey(), 0L)))
                        .filter(e -> e.getValue() > 0)
                        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                        .limit(8)
                        .forEach(e -> top.append(
                                String.format(Locale.ROOT, " %s=%.2f", e.getKey(), e.getValue() / (double) cycles)));
                System.out.println(top);
                Map<String, Long> spent = new TreeMap<>();
                threads1.forEach((name, ms) -> spent.merge(
                        name.startsWith("vert.x-eventloo")
                                ? "event_loop"
                                : name.contains("CompilerThre") ? "jit" : "other",
                        ms - threads0.getOrDefault(name, 0L),
                        Long::sum));
                double p50 = quantile(metrics0, metrics, "pgactive_scrape_cycle_duration_seconds", 0.5) * 1000;
                double p99 = quantile(metrics0, metrics, "pgactive_scrape_cycle_duration_seconds", 0.99) * 1000;
                // one line per run, so that side-by-side runs of several builds can be tabulated
                System.out.printf(
                        Locale.ROOT,
                        "row build=%s load=%s->%s cycles=%d cpu_ms_per_cycle=%.2f event_loop=%.2f jit=%.2f"
                                + " cycle_p50_ms=%.1f cycle_p99_ms=%.1f heap_after_gc_mb=%.1f rss_mb=%.1f%n",
                        label,
                        load0,
                        load1,
                        cycles,
                        (cpu1 - cpu0) / (double) cycles,
                        spent.getOrDefault("event_loop", 0L) / (double) cycles,
                        spent.getOrDefault("jit", 0L) / (double) cycles,
                        p50,
                        p99,
                        heapAfterGc / 1024 / 1024,
                        rssKb(service.pid()) / 1024.0);
            } finally {
                service.destroy();
                service.waitFor();
            }
        }
    }

    static void seedPgactive(List<PgNode> nodes) {
        List<PgactiveFixture> fixtures = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            fixtures.add(nodes.get(i)
                    .installPgactiveFixture(
                            Long.toString(7100000000000000000L + i),
                            nodes.get(i).name()));
        }
        for (int i = 0; i < fixtures.size(); i++) {
            PgactiveFixture self = fixtures.get(i);
            PgactiveFixture peer = fixtures.get((i + 1) % fixtures.size());
            if (peer != self) {
                self.addPeer(peer);
                self.setLag(PgactiveFixture.LagRow.of(peer.nodeName(), peer.sysid(), 0, 0));
            }
        }
    }

    /**
     * The packaged service as a child process on a loopback port, with plain-text logs to {@code work/service.log};
     * {@code SERVICE_JAVA_OPTS} adds JVM options (a profiler, GC flags).
     */
    static Process startService(Path jar, Path config, int port, Path work, Map<String, String> extraEnv)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBin()));
        String jvmArgs = System.getenv().getOrDefault("SERVICE_JAVA_OPTS", "").strip();
        if (!jvmArgs.isEmpty()) {
            command.addAll(List.of(jvmArgs.split("\\s+")));
        }
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("PGACTIVE_TOOLS_CONFIG", config.toString());
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        pb.environment().put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        pb.environment().putAll(extraEnv);
        pb.redirectErrorStream(true).redirectOutput(work.resolve("service.log").toFile());
        return pb.start();
    }

    static void awaitReady(String base, Process service) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("the service exited with " + service.exitValue());
            }
            try {
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create(base + "/q/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the service was not ready within 60s");
    }

    /**
     * The requests the measurement window opens with, made once before the warm-up: the first request to each
     * endpoint loads and compiles the service's HTTP path (a few hundred methods), a one-time cost that would otherwise
     * be counted against the scrape cycles of the window. A deployed service has long served its probes and Prometheus
     * by then.
     */
    static void firstRequests(String base) throws Exception {
        get(base + "/q/metrics");
        version(base);
    }

    static long version(String base) throws Exception {
        Matcher m = Pattern.compile("\"version\":(\\d+)").matcher(get(base + "/snapshot"));
        if (!m.find()) {
            throw new IllegalStateException("no version in /snapshot");
        }
        return Long.parseLong(m.group(1));
    }

    static String get(String url) throws Exception {
        String accept = url.endsWith("/q/metrics") ? "text/plain; version=0.0.4" : "application/json";
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .header("Accept", accept)
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /**
     * A quantile of the observations made between two scrapes, from the histogram's cumulative buckets, interpolated
     * linearly inside the bucket (as PromQL's histogram_quantile does).
     */
    static double quantile(String before, String after, String name, double q) {
        TreeMap<Double, Double> b0 = buckets(before, name);
        TreeMap<Double, Double> b1 = buckets(after, name);
        double total = b1.lastEntry().getValue() - b0.getOrDefault(b1.lastKey(), 0.0);
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double prevLe = 0;
        double prevCount = 0;
        for (var e : b1.entrySet()) {
            double count = e.getValue() - b0.getOrDefault(e.getKey(), 0.0);
            if (count >= rank) {
                if (e.getKey().isInfinite()) {
                    return prevLe;
                }
                double inBucket = count - prevCount;
                return inBucket <= 0 ? e.getKey() : prevLe + (e.getKey() - prevLe) * (rank - prevCount) / inBucket;
            }
            prevLe = e.getKey();
            prevCount = count;
        }
        return Double.NaN;
    }

    private static TreeMap<Double, Double> buckets(String metrics, String name) {
        TreeMap<Double, Double> b = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^" + name + "_bucket\\{[^}]*le=\"([^\"]+)\"[^}]*} (\\S+)")
                .matcher(metrics);
        while (m.find()) {
            double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
            b.merge(le, Double.parseDouble(m.group(2)), Double::sum);
        }
        return b;
    }

    static double sum(String metrics, String seriesRegex) {
        Matcher m = Pattern.compile("(?m)^" + seriesRegex + " (\\S+)").matcher(metrics);
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
        }
        return total;
    }

    /** User plus system CPU of a process, from /proc (clock ticks of 10 ms on Linux). */
    static long cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * 10;
    }

    /** CPU per thread name (numbers folded, so pools add up), from /proc/PID/task. */
    private static Map<String, Long> threadCpuMillis(long pid) throws IOException {
        Map<String, Long> byName = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            .replaceAll("\\d+", "N");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    byName.merge(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10, Long::sum);
                } catch (IOException threadEnded) {
                    // the thread exited while listing
                }
            }
        }
        return byName;
    }

    /** The one-minute load average: CPU figures of side-by-side runs are only comparable at the same load. */
    static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }

    static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String arg(String[] args, String name, String dflt) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return dflt;
    }
}
