package io.pgactive.tools.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.ThreadMXBean;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.pgactive.tools.config.ConfigLoader;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.metrics.ReplicationMetrics;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What refreshing the Prometheus series costs per published snapshot, without PostgreSQL: the CPU time and the bytes
 * allocated by one {@code ReplicationMetrics.update} of an N-node snapshot (three links per node, every value changing
 * each version), and the cost of one {@code /q/metrics} exposition of the result. Prints median figures of several
 * rounds after a warm-up.
 *
 * <p>Arguments: {@code [nodes] [updates-per-round]}, default 10 nodes and 2,000 updates.
 */
public final class MetricsBenchmark {

    public static void main(String[] args) throws Exception {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int updates = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        Path conf = Files.createTempFile("metrics-bench", ".yaml");
        Files.writeString(
                conf, "collector:\n  nodes:\n    - name: node0\n      dsn: postgresql://bench@127.0.0.1:1/postgres\n");
        ToolsConfig config = new ConfigLoader(Map.of()).load(conf);
        Files.delete(conf);

        // a cycle of distinct snapshots, so every update changes every value as a live cluster does
        List<PublishedSnapshot> cycle = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            cycle.add(published(nodes, i));
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ReplicationMetrics metrics = ReplicationMetrics.standalone(registry, config);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();

        long version = 1;
        List<Double> nsPerUpdate = new ArrayList<>();
        List<Double> bytesPerUpdate = new ArrayList<>();
        List<Double> usPerScrape = new ArrayList<>();
        for (int round = 0; round < 8; round++) {
            long cpu0 = threads.getCurrentThreadCpuTime();
            long alloc0 = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            for (int i = 0; i < updates; i++) {
                metrics.update(withVersion(cycle.get(i % cycle.size()), version++));
            }
            long cpu = threads.getCurrentThreadCpuTime() - cpu0;
            long alloc = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - alloc0;
            long scrape0 = threads.getCurrentThreadCpuTime();
            int scrapes = 200;
            int length = 0;
            for (int i = 0; i < scrapes; i++) {
                length += registry.scrape().length();
            }
            long scrapeCpu = threads.getCurrentThreadCpuTime() - scrape0;
            if (round >= 3) { // the first rounds are the JIT's warm-up
                nsPerUpdate.add((double) cpu / updates);
                bytesPerUpdate.add((double) alloc / updates);
                usPerScrape.add(scrapeCpu / 1000.0 / scrapes);
            }
            if (length == 0) {
                throw new IllegalStateException("empty exposition");
            }
        }
        System.out.printf(
                "metrics update, %d nodes x 3 links: %.1f us CPU and %.1f KB allocated per snapshot (median of %d rounds of %d)%n",
                nodes, median(nsPerUpdate) / 1000.0, median(bytesPerUpdate) / 1024.0, nsPerUpdate.size(), updates);
        System.out.printf(
                "/q/metrics exposition: %.1f us CPU per scrape, %d series%n",
                median(usPerScrape), registry.getMeters().size());
    }

    private static PublishedSnapshot withVersion(PublishedSnapshot p, long version) {
        Snapshot s = p.snapshot();
        return new PublishedSnapshot(
                new Snapshot(version, s.collectedAt(), s.cluster(), s.nodes()), p.json(), p.publishedAt());
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /** An N-node snapshot as the service would publish it, built from its JSON so it follows the model's shape. */
    private static PublishedSnapshot published(int nodes, int variant) throws Exception {
        ObjectNode root = SnapshotJson.MAPPER.createObjectNode();
        root.put("version", 1);
        root.put("collected_at", Instant.now().toString());
        ObjectNode cluster = root.putObject("cluster");
        cluster.put("status", "HEALTHY");
        cluster.put("nodes_total", nodes);
        cluster.put("nodes_healthy", nodes);
        ObjectNode all = root.putObject("nodes");
        for (int n = 0; n < nodes; n++) {
            String name = "node" + n;
            ObjectNode node = all.putObject(name);
            node.put("name", name);
            node.put("status", variant % 7 == 0 ? "DEGRADED" : "HEALTHY");
            node.putArray("roles").add("pgactive");
            node.putArray("reasons");
            node.put("last_success_at", Instant.now().toString());
            node.put("consecutive_failures", 0);
            ObjectNode m = node.putObject("metrics");
            m.put("lag_seconds", 0.1 * variant);
            m.put("lag_bytes", 1000 + variant);
            m.put("conflict_count", variant % 3);
            m.putObject("conflicts_by_type").put("update_update", variant);
            ArrayNode links = node.putArray("links");
            for (int l = 1; l <= 3; l++) {
                ObjectNode link = links.addObject();
                link.put("peer", "node" + ((n + l) % nodes));
                link.put("kind", "pgactive");
                link.put("direction", "outbound");
                link.put("slot", "slot_" + n + "_" + l);
                link.put("active", true);
                link.put("lag_seconds", 0.01 * (variant + l));
                link.put("lag_bytes", 100L * (variant + l));
                link.put("lag_xid", variant);
                link.put("stalled", false);
            }
        }
        Snapshot s = SnapshotJson.MAPPER.treeToValue(root, Snapshot.class);
        return new PublishedSnapshot(s, SnapshotJson.encode(s), Instant.now());
    }
}
