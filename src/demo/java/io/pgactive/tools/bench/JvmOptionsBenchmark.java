package io.pgactive.tools.bench;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.ServiceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM's fixed costs, one set of options after another against the same N real local nodes: the time from the
 * process start to the first snapshot with every node healthy, the CPU of the first minute, then CPU per cycle, heap
 * after a full GC, RSS and thread count at steady state. Options with {@code -XX:NativeMemoryTracking=summary} also
 * print the JVM's native memory by category. Each variant is {@code label=options}; an option {@code NAME=value}
 * (upper-case name) is an environment variable of the service and {@code java=/path/to/bin/java} picks another JDK.
 * The rounds alternate the variants, so a change of the machine's load falls on all of them. Run through
 * {@code bench/jvm-options.sh}.
 */
public final class JvmOptionsBenchmark {

    private static final Pattern HEALTHY = Pattern.compile("\"status\":\"HEALTHY\"");
    private static final Pattern NMT_LINE =
            Pattern.compile("(?m)^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");

    public static void main(String[] args) throws Exception {
        int nodes = Integer.parseInt(ScrapeBenchmark.arg(args, "--nodes", "10"));
        Duration interval = Duration.ofMillis(Long.parseLong(ScrapeBenchmark.arg(args, "--interval-ms", "2000")));
        Duration first = Duration.ofSeconds(Long.parseLong(ScrapeBenchmark.arg(args, "--first-s", "60")));
        Duration measure = Duration.ofSeconds(Long.parseLong(ScrapeBenchmark.arg(args, "--measure-s", "60")));
        int rounds = Integer.parseInt(ScrapeBenchmark.arg(args, "--rounds", "1"));
        Path jar = Path.of(ScrapeBenchmark.arg(args, "--jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        Path queries = Path.of(ScrapeBenchmark.arg(args, "--queries", "config/queries"))
                .toAbsolutePath();
        Map<String, String> variants = new LinkedHashMap<>();
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--variant")) {
                String v = args[i + 1];
                int eq = v.indexOf('=');
                variants.put(v.substring(0, eq), v.substring(eq + 1));
            }
        }
        if (variants.isEmpty()) {
            variants.put("defaults", "");
        }
        Path work = Files.createTempDirectory("jvm-bench");
        try (PgCluster cluster = PgCluster.standalone(nodes, work.resolve("cluster"))) {
            ScrapeBenchmark.seedPgactive(cluster.nodes());
            Path config = ServiceConfig.write(
                    work, cluster.nodes(), "interval: " + interval.toMillis() + "ms\nqueries_dir: " + queries + "\n");
            for (int round = 1; round <= rounds; round++) {
                for (var variant : variants.entrySet()) {
                    measure(variant.getKey(), variant.getValue(), round, nodes, jar, config, work, first, measure);
                }
            }
        }
    }

    private static void measure(
            String label,
            String options,
            int round,
            int nodes,
            Path jar,
            Path config,
            Path work,
            Duration first,
            Duration measure)
            throws Exception {
        String java = ScrapeBenchmark.javaBin();
        List<String> command = new ArrayList<>();
        Map<String, String> env = new LinkedHashMap<>();
        for (String token : options.strip().split("\\s+")) {
            if (token.isEmpty()) {
                continue;
            } else if (token.startsWith("java=")) {
                java = token.substring("java=".length());
            } else if (token.matches("[A-Z_][A-Z0-9_]*=.*")) {
                int eq = token.indexOf('=');
                env.put(token.substring(0, eq), token.substring(eq + 1));
            } else {
                command.add(token);
            }
        }
        command.add(0, java);
        command.addAll(List.of("-jar", jar.toString()));
        int port = ScrapeBenchmark.freePort();
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("PGACTIVE_TOOLS_CONFIG", config.toString());
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        pb.environment().put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        pb.environment().putAll(env);
        Path log = work.resolve("service-" + label.replaceAll("\\W", "_") + "-" + round + ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Process service = pb.start();
        try {
            String base = "http://127.0.0.1:" + port;
            long firstSnapshotMs = awaitAllHealthy(base, service, nodes, t0);
            long cpuAtFirstSnapshot = ScrapeBenchmark.cpuMillis(service.pid());
            sleepUntil(t0 + first.toNanos());
            long cpuFirst = ScrapeBenchmark.cpuMillis(service.pid());
            long rssFirstKb = ScrapeBenchmark.rssKb(service.pid());
            long v0 = ScrapeBenchmark.version(base);
            Thread.sleep(measure.toMillis());
            long cpuSteady = ScrapeBenchmark.cpuMillis(service.pid()) - cpuFirst;
            long cycles = ScrapeBenchmark.version(base) - v0;
            long rssSteadyKb = ScrapeBenchmark.rssKb(service.pid());
            ScrapeBenchmark.run("jcmd", Long.toString(service.pid()), "GC.run");
            double heapAfterGc = ScrapeBenchmark.sum(
                    ScrapeBenchmark.get(base + "/q/metrics"), "jvm_memory_used_bytes\\{area=\"heap\"[^}]*}");
            System.out.printf(
                    Locale.ROOT,
                    "%s round=%d first_snapshot_ms=%d cpu_ms_to_first_snapshot=%d cpu_ms_first_%ds=%d"
                            + " rss_mb_at_%ds=%.1f cpu_ms_per_cycle=%.2f heap_after_gc_mb=%.1f rss_mb=%.1f"
                            + " rss_mb_after_gc=%.1f threads=%d%n",
                    label,
                    round,
                    firstSnapshotMs,
                    cpuAtFirstSnapshot,
                    first.toSeconds(),
                    cpuFirst,
                    first.toSeconds(),
                    rssFirstKb / 1024.0,
                    cpuSteady / (double) cycles,
                    heapAfterGc / 1024 / 1024,
                    rssSteadyKb / 1024.0,
                    ScrapeBenchmark.rssKb(service.pid()) / 1024.0,
                    threads(service.pid()));
            if (options.contains("NativeMemoryTracking")) {
                printNativeMemory(service.pid(), work.resolve(log.getFileName() + ".nmt"));
            }
        } finally {
            service.destroy();
            service.waitFor();
        }
    }

    /** Milliseconds from the process start to the first /snapshot in which every node is healthy. */
    private static long awaitAllHealthy(String base, Process service, int nodes, long t0) throws Exception {
        long deadline = t0 + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("the service exited with " + service.exitValue());
            }
            try {
                String snapshot = ScrapeBenchmark.get(base + "/snapshot");
                // the cluster's own status is one more HEALTHY than the nodes'
                if (HEALTHY.matcher(snapshot).results().count() > nodes) {
                    return (System.nanoTime() - t0) / 1_000_000;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no snapshot with every node healthy within 120 s");
    }

    private static void printNativeMemory(long pid, Path file) throws Exception {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), "VM.native_memory", "summary", "scale=KB")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        Files.writeString(file, out);
        StringBuilder line = new StringBuilder("  nmt_committed_mb");
        Matcher total =
                Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB").matcher(out);
        if (total.find()) {
            line.append(String.format(Locale.ROOT, " total=%.1f", Long.parseLong(total.group(1)) / 1024.0));
        }
        Matcher m = NMT_LINE.matcher(out);
        while (m.find()) {
            double mb = Long.parseLong(m.group(3)) / 1024.0;
            if (mb >= 0.5) {
                line.append(String.format(Locale.ROOT, " %s=%.1f", m.group(1).replace(' ', '_'), mb));
            }
        }
        System.out.println(line + " (all of it in " + file + ")");
        Matcher classes = Pattern.compile("\\(classes #(\\d+)\\)").matcher(out);
        Matcher threads = Pattern.compile("\\(threads #(\\d+)\\)").matcher(out);
        System.out.println("  nmt_classes=" + (classes.find() ? classes.group(1) : "?") + " nmt_threads="
                + (threads.find() ? threads.group(1) : "?"));
    }

    private static int threads(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000);
        }
    }
}
