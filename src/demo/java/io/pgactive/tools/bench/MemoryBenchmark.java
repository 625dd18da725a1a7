package io.pgactive.tools.bench;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.ServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Live heap of the packaged service with a large snapshot: one real node whose custom query returns N labelled rows
 * whose values change every cycle, so every version's delta is about as large as the snapshot. Every sample forces a
 * full GC and prints the live heap, the versions and bytes the {@code /watch} replay window holds, and what the heap
 * costs per retained version above the first sample, and the CPU and garbage collections each version cost since the
 * previous sample. Run through {@code bench/memory.sh}.
 */
public final class MemoryBenchmark {

    private static final String QUERY = """
            -- help: a wide labelled metric, for the memory benchmark
            -- labels: item
            -- values: reading:gauge
            -- timeout: 500ms
            -- max_rows: %d
            SELECT 'item_' || g AS item, (random() * 1000000)::bigint AS reading FROM generate_series(1, %d) g
            """;

    private MemoryBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rows = Integer.parseInt(ScrapeBenchmark.arg(args, "--rows", "3000"));
        Duration interval = Duration.ofMillis(Long.parseLong(ScrapeBenchmark.arg(args, "--interval-ms", "1000")));
        Duration run = Duration.ofSeconds(Long.parseLong(ScrapeBenchmark.arg(args, "--run-s", "180")));
        Duration every = Duration.ofSeconds(Long.parseLong(ScrapeBenchmark.arg(args, "--sample-s", "30")));
        Path jar = Path.of(ScrapeBenchmark.arg(args, "--jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        Path work = Files.createTempDirectory("memory-bench");

        try (PgCluster cluster = PgCluster.standalone(1, work.resolve("cluster"))) {
            Path queries = Files.createDirectories(work.resolve("queries"));
            Files.writeString(queries.resolve("wide.sql"), QUERY.formatted(rows, rows));
            Path config = ServiceConfig.write(
                    work, cluster.nodes(), "interval: " + interval.toMillis() + "ms\nqueries_dir: " + queries + "\n");
            int port = ScrapeBenchmark.freePort();
            Process service = ScrapeBenchmark.startService(jar, config, port, work, Map.of());
            try {
                String base = "http://127.0.0.1:" + port;
                ScrapeBenchmark.awaitReady(base, service);
                String first = ScrapeBenchmark.get(base + "/snapshot");
                int errors = first.indexOf("\"custom_errors\":{\"");
                if (errors >= 0) {
                    // a query the service refuses leaves the snapshot small: the figures would measure nothing
                    throw new IllegalStateException("the wide query failed: " + first.substring(errors));
                }
                System.out.printf(
                        Locale.ROOT,
                        "rows=%d interval_ms=%d snapshot_kb=%.1f%n",
                        rows,
                        interval.toMillis(),
                        first.length() / 1024.0);
                System.out.println(
                        "elapsed_s version window_versions window_mb heap_after_gc_mb rss_mb kb_per_retained_version"
                                + " cpu_ms_per_version collections_per_version");
                long start = System.nanoTime();
                double firstHeap = -1;
                double firstVersions = 0;
                long lastCpu = 0;
                long lastVersion = 0;
                double lastCollections = 0;
                for (long next = 0; next <= run.toSeconds(); next += every.toSeconds()) {
                    long wait = start + Duration.ofSeconds(next).toNanos() - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000);
                    }
                    // CPU and collections between samples, before this sample's forced GC adds its own
                    long cpu = ScrapeBenchmark.cpuMillis(service.pid());
                    double collections = ScrapeBenchmark.sum(
                            ScrapeBenchmark.get(base + "/q/metrics"), "jvm_gc_pause_seconds_count\\{[^}]*}");
                    long versionBeforeGc = ScrapeBenchmark.version(base);
                    ScrapeBenchmark.run("jcmd", Long.toString(service.pid()), "GC.run");
                    String metrics = ScrapeBenchmark.get(base + "/q/metrics");
                    double heap = ScrapeBenchmark.sum(metrics, "jvm_memory_used_bytes\\{area=\"heap\"[^}]*}");
                    long version = ScrapeBenchmark.version(base);
                    double versions = ScrapeBenchmark.sum(metrics, "pgactive_watch_window_versions(?:\\{[^}]*})?");
                    if (!metrics.contains("pgactive_watch_window_versions")) {
                        // a build without the gauge: its window holds every version up to the default 600
                        versions = Math.min(version, 600);
                    }
                    double bytes = ScrapeBenchmark.sum(metrics, "pgactive_watch_window_bytes(?:\\{[^}]*})?");
                    String perVersion = "-";
                    String cpuPerVersion = "-";
                    String collectionsPerVersion = "-";
                    if (lastVersion > 0 && versionBeforeGc > lastVersion) {
                        long published = versionBeforeGc - lastVersion;
                        cpuPerVersion = String.format(Locale.ROOT, "%.1f", (cpu - lastCpu) / (double) published);
                        // the previous sample's forced GC is one of them
                        collectionsPerVersion =
                                String.format(Locale.ROOT, "%.2f", (collections - lastCollections - 1) / published);
                    }
                    lastCpu = cpu;
                    lastVersion = versionBeforeGc;
                    lastCollections = collections;
                    if (firstHeap < 0) {
                        firstHeap = heap;
                        firstVersions = versions;
                    } else if (versions > firstVersions) {
                        perVersion = String.format(
                                Locale.ROOT, "%.1f", (heap - firstHeap) / (versions - firstVersions) / 1024);
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "%d %d %.0f %.1f %.1f %.1f %s %s %s%n",
                            next,
                            version,
                            versions,
                            bytes / 1024 / 1024,
                            heap / 1024 / 1024,
                            ScrapeBenchmark.rssKb(service.pid()) / 1024.0,
                            perVersion,
                            cpuPerVersion,
                            collectionsPerVersion);
                }
            } finally {
                service.destroy();
                service.waitFor();
            }
        }
    }
}
