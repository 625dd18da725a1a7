package io.pgactive.tools.bench;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.ServiceConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToDoubleFunction;

/**
 * This service next to Debian's postgres_exporter on the same real nodes, one after the other: each side's CPU per
 * cycle and RSS (from /proc), the statements it runs per node per cycle (pg_stat_statements, loaded on every node:
 * pg_stat_database counts a long-lived session's transactions only when the session flushes them, which a session
 * busy every interval may put off until it ends) and the CPU of the PostgreSQL backends serving it. The exporter runs one process per node with a queries file equivalent
 * to the service's replication reads, once without and once with its default metrics, and is scraped every interval
 * by this program. Run through {@code bench/peer.sh}.
 */
public final class PeerBenchmark {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String MONITOR = PgNode.MONITOR_USER;

    record Row(String side, double cpuMsPerCycle, double rssMb, double statementsPerNode, double backendMsPerCycle) {}

    public static void main(String[] args) throws Exception {
        int nodes = Integer.parseInt(ScrapeBenchmark.arg(args, "--nodes", "10"));
        Duration interval = Duration.ofMillis(Long.parseLong(ScrapeBenchmark.arg(args, "--interval-ms", "2000")));
        Duration warmup = Duration.ofSeconds(Long.parseLong(ScrapeBenchmark.arg(args, "--warmup-s", "60")));
        Duration measure = Duration.ofSeconds(Long.parseLong(ScrapeBenchmark.arg(args, "--measure-s", "120")));
        Path jar = Path.of(ScrapeBenchmark.arg(args, "--jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        Path queries = Path.of(ScrapeBenchmark.arg(args, "--queries", "config/queries"))
                .toAbsolutePath();
        Path exporter = Path.of(ScrapeBenchmark.arg(args, "--exporter", "/usr/bin/prometheus-postgres-exporter"));
        Path exporterQueries = Path.of(ScrapeBenchmark.arg(args, "--exporter-queries", "bench/peer-queries.yaml"))
                .toAbsolutePath();
        int rounds = Integer.parseInt(ScrapeBenchmark.arg(args, "--rounds", "1"));
        Path work = Files.createTempDirectory("peer-bench");
        if (nodes < 3) {
            throw new IllegalArgumentException("--nodes: at least 3 (a primary and its two standbys)");
        }

        try (PgCluster cluster = PgCluster.empty(work.resolve("cluster"))) {
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= nodes - 2; i++) {
                names.add("node" + i);
            }
            cluster.addNodes(names);
            for (PgNode n : cluster.nodes()) {
                countStatements(n);
            }
            PgNode primary = cluster.node("node1");
            cluster.add(primary.createStandby("standby1"));
            cluster.add(primary.createStandby("standby2"));
            List<PgNode> all = cluster.nodes();
            System.out.printf(
                    Locale.ROOT,
                    "%d nodes (node1 with two streaming standbys), interval %d ms, warm-up %d s, measured %d s,"
                            + " %d round(s)%n",
                    all.size(),
                    interval.toMillis(),
                    warmup.toSeconds(),
                    measure.toSeconds(),
                    rounds);

            // the exporter's own cost moves by a third between identical runs: alternate the two sides and take the
            // median of each, so that one unlucky window does not decide the ratio
            List<Row> serviceRounds = new ArrayList<>();
            List<Row> exporterRounds = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                serviceRounds.add(service(all, jar, queries, interval, warmup, measure, work));
                exporterRounds.add(exporters(
                        "postgres_exporter, replication queries only",
                        all,
                        exporter,
                        exporterQueries,
                        true,
                        interval,
                        warmup,
                        measure));
                if (rounds > 1) {
                    Row service = serviceRounds.get(round - 1);
                    Row peer = exporterRounds.get(round - 1);
                    System.out.printf(
                            Locale.ROOT,
                            "round %d: service %.1f ms, exporter %.1f ms per cycle (ratio %.2f);"
                                    + " backend CPU %.1f / %.1f ms (ratio %.2f)%n",
                            round,
                            service.cpuMsPerCycle(),
                            peer.cpuMsPerCycle(),
                            peer.cpuMsPerCycle() / service.cpuMsPerCycle(),
                            service.backendMsPerCycle(),
                            peer.backendMsPerCycle(),
                            peer.backendMsPerCycle() / service.backendMsPerCycle());
                }
            }
            List<Row> rows = new ArrayList<>();
            rows.add(median(serviceRounds));
            rows.add(median(exporterRounds));
            rows.add(exporters(
                    "postgres_exporter, default metrics + replication queries",
                    all,
                    exporter,
                    exporterQueries,
                    false,
                    interval,
                    warmup,
                    measure));

            System.out.println();
            if (rounds > 1) {
                System.out.printf(
                        Locale.ROOT,
                        "median of %d alternating rounds for the first two rows; the last row is one run%n",
                        rounds);
            }
            System.out.println("| | CPU ms per cycle | RSS | statements per node per cycle "
                    + "| PostgreSQL backend CPU ms per cycle |");
            System.out.println("|---|---|---|---|---|");
            for (Row r : rows) {
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %.1f | %.0f MB | %.1f | %.1f |%n",
                        r.side(),
                        r.cpuMsPerCycle(),
                        r.rssMb(),
                        r.statementsPerNode(),
                        r.backendMsPerCycle());
            }
            Row s = rows.get(0);
            for (Row e : rows.subList(1, rows.size())) {
                System.out.printf(
                        Locale.ROOT,
                        "ratio %s / service: CPU %.2f, backend CPU %.2f%n",
                        e.side(),
                        e.cpuMsPerCycle() / s.cpuMsPerCycle(),
                        e.backendMsPerCycle() / s.backendMsPerCycle());
            }
        }
    }

    /** Each figure's median over the rounds (the figures of one row need not come from the same round). */
    static Row median(List<Row> rounds) {
        return new Row(
                rounds.get(0).side(),
                median(rounds, Row::cpuMsPerCycle),
                median(rounds, Row::rssMb),
                median(rounds, Row::statementsPerNode),
                median(rounds, Row::backendMsPerCycle));
    }

    private static double median(List<Row> rounds, ToDoubleFunction<Row> figure) {
        double[] values = rounds.stream().mapToDouble(figure).sorted().toArray();
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    private static Row service(
            List<PgNode> nodes, Path jar, Path queries, Duration interval, Duration warmup, Duration measure, Path work)
            throws Exception {
        Path config = ServiceConfig.write(
                work, nodes, "interval: " + interval.toMillis() + "ms\nqueries_dir: " + queries + "\n");
        int port = ScrapeBenchmark.freePort();
        Process service = ScrapeBenchmark.startService(jar, config, port, work, Map.of());
        try {
            String base = "http://127.0.0.1:" + port;
            ScrapeBenchmark.awaitReady(base, service);
            ScrapeBenchmark.firstRequests(base);
            Thread.sleep(warmup.toMillis());
            Window w = Window.open(nodes, List.of(service.pid()));
            long v0 = ScrapeBenchmark.version(base);
            Thread.sleep(measure.toMillis());
            long cycles = ScrapeBenchmark.version(base) - v0;
            return w.close("this service, shipped custom queries", cycles);
        } finally {
            service.destroy();
            service.waitFor();
        }
    }

    private static Row exporters(
            String side,
            List<PgNode> nodes,
            Path exporter,
            Path queries,
            boolean replicationOnly,
            Duration interval,
            Duration warmup,
            Duration measure)
            throws Exception {
        List<Process> processes = new ArrayList<>();
        List<URI> targets = new ArrayList<>();
        try {
            for (PgNode n : nodes) {
                int port = ScrapeBenchmark.freePort();
                List<String> command = new ArrayList<>(List.of(
                        exporter.toString(),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--extend.query-path=" + queries));
                if (replicationOnly) {
                    command.addAll(List.of("--disable-default-metrics", "--disable-settings-metrics"));
                }
                ProcessBuilder pb = new ProcessBuilder(command);
                pb.environment()
                        .put(
                                "DATA_SOURCE_NAME",
                                "postgresql://" + MONITOR + ":" + n.password() + "@127.0.0.1:" + n.port()
                                        + "/postgres?sslmode=disable");
                pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                processes.add(pb.start());
                targets.add(URI.create("http://127.0.0.1:" + port + "/metrics"));
            }
            for (URI t : targets) {
                awaitListening(t);
            }
            long end = System.nanoTime() + warmup.toNanos();
            while (System.nanoTime() < end) {
                scrapeAll(targets, interval);
            }
            Window w = Window.open(nodes, processes.stream().map(Process::pid).toList());
            long cycles = 0;
            end = System.nanoTime() + measure.toNanos();
            while (System.nanoTime() < end) {
                scrapeAll(targets, interval);
                cycles++;
            }
            return w.close(side, cycles);
        } finally {
            for (Process p : processes) {
                p.destroy();
                p.waitFor();
            }
        }
    }

    private static void awaitListening(URI target) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(target).build(), HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(target + " did not answer within 30 s");
    }

    /** One scrape of every exporter at once, as Prometheus would, then the rest of the interval. */
    private static void scrapeAll(List<URI> targets, Duration interval) throws Exception {
        long next = System.nanoTime() + interval.toNanos();
        List<CompletableFuture<HttpResponse<Void>>> answers = new ArrayList<>();
        for (URI t : targets) {
            answers.add(HTTP.sendAsync(HttpRequest.newBuilder(t).build(), HttpResponse.BodyHandlers.discarding()));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).join();
        long rest = next - System.nanoTime();
        if (rest > 0) {
            Thread.sleep(rest / 1_000_000);
        }
    }

    /** Loads pg_stat_statements on a primary (its standbys inherit it): a restart, then the extension. */
    private static void countStatements(PgNode n) {
        n.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
        n.stop();
        n.start();
        n.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    }

    /** Counters at the start of a measured window: the scraper's CPU, its backends' CPU, statements. */
    private record Window(
            List<PgNode> nodes, List<Long> pids, long cpu0, Map<Long, Long> backends0, long statements0, long t0) {

        /** Statements the monitor role ran (this program reads as another role, so its own reads are not counted). */
        private static final String STATEMENTS = "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements"
                + " WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = '" + MONITOR + "')";

        static Window open(List<PgNode> nodes, List<Long> pids) throws IOException {
            long statements = 0;
            for (PgNode n : nodes) {
                statements += n.queryLong(STATEMENTS);
            }
            return new Window(nodes, pids, cpu(pids), backendCpu(nodes), statements, System.nanoTime());
        }

        Row close(String side, long cycles) throws IOException {
            long cpu = cpu(pids) - cpu0;
            Map<Long, Long> backends1 = backendCpu(nodes);
            long backend = 0;
            for (Map.Entry<Long, Long> e : backends1.entrySet()) {
                backend += e.getValue() - backends0.getOrDefault(e.getKey(), 0L);
            }
            long statements = -statements0;
            for (PgNode n : nodes) {
                statements += n.queryLong(STATEMENTS);
            }
            double rssKb = 0;
            for (long pid : pids) {
                rssKb += ScrapeBenchmark.rssKb(pid);
            }
            double perNodeCycle = (double) cycles * nodes.size();
            System.out.printf(
                    Locale.ROOT,
                    "%s: %d cycles in %.0f s, load average %s",
                    side,
                    cycles,
                    (System.nanoTime() - t0) / 1e9,
                    Files.readString(Path.of("/proc/loadavg")));
            return new Row(
                    side, cpu / (double) cycles, rssKb / 1024, statements / perNodeCycle, backend / (double) cycles);
        }

        private static long cpu(List<Long> pids) throws IOException {
            long total = 0;
            for (long pid : pids) {
                total += ScrapeBenchmark.cpuMillis(pid);
            }
            return total;
        }

        /** CPU of every backend the monitor role has open, by pid. */
        private static Map<Long, Long> backendCpu(List<PgNode> nodes) {
            Map<Long, Long> out = new HashMap<>();
            for (PgNode n : nodes) {
                String pids = n.queryString("SELECT coalesce(string_agg(pid::text, ','), '') FROM pg_stat_activity"
                        + " WHERE usename = '" + MONITOR + "'");
                for (String pid : pids.split(",")) {
                    if (!pid.isBlank()) {
                        try {
                            out.put(Long.parseLong(pid), ScrapeBenchmark.cpuMillis(Long.parseLong(pid)));
                        } catch (IOException gone) {
                            // the backend ended between the two reads
                        }
                    }
                }
            }
            return out;
        }
    }
}
