package io.pgactive.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgactive.tools.testing.InsertLoop;
import io.pgactive.tools.testing.PgBouncerProcess;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.ServiceConfig;
import io.pgactive.tools.testing.TemporalTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * How fast the write guard reacts, end to end with every part real: a primary, its standby whose WAL replay is paused
 * to create lag, PgBouncer in front of the primary with a client writing through it, Temporal's test server, and the
 * packaged service. Each round pauses replay until the guard pauses writes, then resumes replay until it resumes
 * them, and prints: from the first snapshot whose lag crossed {@code pause_above} to the pause decision, from the
 * first snapshot below {@code resume_below} to the resume decision (the budget for both is one interval plus
 * {@code hold}), the longest time a write waited, and writes lost.
 */
public final class GuardBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double PAUSE_ABOVE = 2;
    private static final double RESUME_BELOW = 1;

    private GuardBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(ScrapeBenchmark.arg(args, "--rounds", "3"));
        long intervalMs = Long.parseLong(ScrapeBenchmark.arg(args, "--interval-ms", "1000"));
        long holdMs = Long.parseLong(ScrapeBenchmark.arg(args, "--hold-ms", "2000"));
        Path jar = Path.of(ScrapeBenchmark.arg(args, "--jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        Path work = Files.createTempDirectory("guard-bench");
        try (PgCluster cluster = PgCluster.standalone(1, work.resolve("cluster"))) {
            PgNode primary = cluster.node("node1");
            PgNode standby = cluster.add(primary.createStandby("node1s"));
            primary.execute("CREATE TABLE bench_writes (id bigserial PRIMARY KEY, n bigint NOT NULL)");
            primary.execute("GRANT SELECT, INSERT ON bench_writes TO " + PgNode.MONITOR_USER);
            primary.execute("GRANT USAGE ON SEQUENCE bench_writes_id_seq TO " + PgNode.MONITOR_USER);
            try (PgBouncerProcess bouncer = PgBouncerProcess.start(primary);
                    TemporalTestServer temporal = TemporalTestServer.start(0)) {
                String guard =
                        "guard:\n  token: bench\n  pause_above: " + PAUSE_ABOVE + "\n  resume_below: " + RESUME_BELOW
                                + "\n  hold: " + holdMs
                                + "ms\n  max_pause: 100s\n  gates:\n    - { name: bench, node: node1, pgbouncer: \""
                                + bouncer.adminDsn() + "\", database: " + PgNode.DATABASE + " }\n";
                Path config =
                        ServiceConfig.write(work, List.of(primary, standby), "interval: " + intervalMs + "ms\n", guard);
                int port = TemporalTestServer.reservePort();
                String base = "http://127.0.0.1:" + port;
                Process service = ScrapeBenchmark.startService(
                        jar,
                        config,
                        port,
                        work,
                        Map.of(
                                "PGACTIVE_TOOLS_TEMPORAL_ENABLED",
                                "true",
                                "QUARKUS_TEMPORAL_CONNECTION_TARGET",
                                temporal.target()));
                try {
                    ScrapeBenchmark.awaitReady(base, service);
                    until(
                            () -> get(base + "/guards/bench").path("running").asBoolean(false),
                            60_000,
                            "the guard to start");
                    run(base, rounds, intervalMs, holdMs, primary, standby, bouncer);
                } finally {
                    service.destroy();
                    service.waitFor();
                }
            }
        }
    }

    private static void run(
            String base,
            int rounds,
            long intervalMs,
            long holdMs,
            PgNode primary,
            PgNode standby,
            PgBouncerProcess bouncer)
            throws Exception {
        List<Long> toPause = new ArrayList<>();
        List<Long> toResume = new ArrayList<>();
        long longestWait = 0;
        try (InsertLoop writer =
                new InsertLoop(bouncer.jdbcUrl(PgNode.DATABASE), bouncer.jdbcProperties(), "bench_writes")) {
            for (int round = 1; round <= rounds; round++) {
                long roundStart = System.currentTimeMillis();
                standby.execute("SELECT pg_wal_replay_pause()");
                Instant crossedUp = firstSnapshot(base, lag -> lag != null && lag > PAUSE_ABOVE);
                JsonNode pause = decision(base, "pause", roundStart);
                long heldFrom = System.nanoTime();
                long completedAtPause = writer.completed();
                standby.execute("SELECT pg_wal_replay_resume()");
                Instant crossedDown = firstSnapshot(base, lag -> lag != null && lag < RESUME_BELOW);
                JsonNode resume =
                        decision(base, "resume", pause.path("at_millis").asLong());
                until(() -> writer.completed() > completedAtPause, 30_000, "held writes to complete");
                long waited = (System.nanoTime() - heldFrom) / 1_000_000;
                longestWait = Math.max(longestWait, waited);
                toPause.add(pause.path("at_millis").asLong() - crossedUp.toEpochMilli());
                toResume.add(resume.path("at_millis").asLong() - crossedDown.toEpochMilli());
                System.out.printf(
                        Locale.ROOT,
                        "round %d: lag crossed %.0fs -> pause decision %d ms; lag below %.0fs -> resume"
                                + " decision %d ms; writes held about %d ms%n",
                        round,
                        PAUSE_ABOVE,
                        toPause.get(round - 1),
                        RESUME_BELOW,
                        toResume.get(round - 1),
                        waited);
                until(() -> writer.completed() > completedAtPause + 20, 30_000, "writes to flow again");
            }
            writer.close();
            long rows = primary.queryLong("SELECT count(*) FROM bench_writes");
            System.out.printf(
                    Locale.ROOT,
                    "crossing -> pause: max %d ms, crossing -> resume: max %d ms (budget: interval"
                            + " %d ms + hold %d ms = %d ms)%n",
                    max(toPause),
                    max(toResume),
                    intervalMs,
                    holdMs,
                    intervalMs + holdMs);
            System.out.printf(
                    Locale.ROOT,
                    "writes: %d completed, %d failed, %d rows in the table (lost: %d); longest hold %d ms%n",
                    writer.completed(),
                    writer.failed(),
                    rows,
                    writer.completed() - rows,
                    longestWait);
        }
    }

    /** Collection time of the first snapshot, from now on, whose node1 lag matches. */
    private static Instant firstSnapshot(String base, Predicate<Double> lagMatches) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        long seen = -1;
        while (System.nanoTime() < deadline) {
            JsonNode s = get(base + "/snapshot");
            long v = s.path("version").asLong();
            if (v != seen) {
                seen = v;
                JsonNode lag = s.path("nodes").path("node1").path("metrics").path("lag_seconds");
                if (lagMatches.test(lag.isNumber() ? lag.asDouble() : null)) {
                    return Instant.parse(s.path("collected_at").asText());
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("lag never crossed the threshold");
    }

    /** The guard's first decision of that kind taken after {@code afterMillis} (the test server runs on wall time). */
    private static JsonNode decision(String base, String action, long afterMillis) throws Exception {
        JsonNode[] found = new JsonNode[1];
        until(
                () -> {
                    for (JsonNode d : get(base + "/guards/bench")
                            .path("status")
                            .path("state")
                            .path("recent")) {
                        if (action.equals(d.path("action").asText())
                                && d.path("at_millis").asLong() > afterMillis) {
                            found[0] = d;
                            return true;
                        }
                    }
                    return false;
                },
                120_000,
                "a " + action + " decision");
        return found[0];
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void until(Check check, long timeoutMs, String what) throws Exception {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static JsonNode get(String url) throws Exception {
        return JSON.readTree(ScrapeBenchmark.get(url));
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
