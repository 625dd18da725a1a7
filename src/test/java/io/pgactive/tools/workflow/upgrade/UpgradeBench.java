package io.pgactive.tools.workflow.upgrade;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.testing.AckedWriter;
import io.pgactive.tools.workflow.TemporalWorker;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Figures of the rolling upgrade on real processes (run by {@code bench/upgrade.sh}, never by the test suite): the
 * source is filled to about {@code pgactive.bench.mb} MB, a client writes through PgBouncer and HAProxy all along, and
 * the bench prints the rollback time before cutover, the whole upgrade's duration, the longest gap between
 * acknowledged writes, the rollback time after cutover and the latency of the progress query. It prints; it does not
 * judge.
 */
@QuarkusTest
@QuarkusTestResource(value = UpgradeClusterResource.class, restrictToAnnotatedClass = true)
@EnabledIfSystemProperty(named = "pgactive.bench", matches = "true")
class UpgradeBench {

    private static final String ID = "rolling-upgrade-" + UpgradeClusterResource.SOURCE;
    private static final Duration LONG = Duration.ofMinutes(20);
    private static final long ROW_BYTES = 256;
    /** As long as the window the cutover's gap is looked for in, give or take. */
    private static final Duration QUIET = Duration.ofSeconds(20);

    @Inject
    UpgradeService service;

    @Inject
    TemporalWorker worker;

    @Test
    void figures() throws Exception {
        int mb = Integer.getInteger("pgactive.bench.mb", 100);
        long filled = fill(mb);
        System.out.printf(
                Locale.ROOT,
                "source: PostgreSQL %d, %s in %s%n",
                UpgradeClusterResource.SOURCE_MAJOR,
                filled / (1024 * 1024) + " MB",
                UpgradeClusterResource.TABLE);

        // rollback in the middle of a traffic step
        UpgradeClusterResource.prepareTarget(true);
        try (AckedWriter writer = writer()) {
            start();
            await().atMost(LONG).pollInterval(Duration.ofMillis(200)).until(() -> {
                JsonPath p = progress();
                return "SHIFTING_TRAFFIC".equals(p.getString("phase")) && p.getInt("target_percent") == 50;
            });
            long t0 = System.nanoTime();
            rollback();
            double ms = (System.nanoTime() - t0) / 1e6;
            System.out.printf(
                    Locale.ROOT,
                    "rollback before cutover: %.0f ms from request to 100 %% on the source (split %d %% after)%n",
                    ms,
                    progress().getInt("target_percent"));
            writer.close();
            System.out.printf(Locale.ROOT, "  client errors: %d%n", writer.failed());
        }
        await().atMost(LONG)
                .until(() ->
                        "ROLLED_BACK".equals(progress().getString("phase")) && !UpgradeClusterResource.targetExists());

        // the whole upgrade, then a rollback after cutover
        UpgradeClusterResource.prepareTarget(true);
        List<Double> progressMs = Collections.synchronizedList(new ArrayList<>());
        List<Double> serviceMs = Collections.synchronizedList(new ArrayList<>());
        List<Double> queryMs = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean sampling = new AtomicBoolean(true);
        try (AckedWriter writer = writer()) {
            // the floor the cutover's gap is compared with: the same writer through the same PgBouncer and HAProxy on
            // the same machine, before anything is upgraded
            long quietFrom = System.nanoTime();
            await().atMost(QUIET.plusMinutes(1))
                    .until(() -> writer.acks().stream().anyMatch(a -> a.ackNanos() > quietFrom + QUIET.toNanos()));
            List<AckedWriter.Ack> quiet = writer.acks().stream()
                    .filter(a -> a.ackNanos() >= quietFrom && a.ackNanos() <= quietFrom + QUIET.toNanos())
                    .toList();
            int sourcePort = quiet.get(0).serverPort();
            System.out.printf(
                    Locale.ROOT,
                    "longest gap between acknowledged writes with no upgrade running: %.0f ms (%d writes in %d s)%n",
                    AckedWriter.longestGapMillis(quiet),
                    quiet.size(),
                    QUIET.toSeconds());
            long t0 = System.nanoTime();
            start();
            Thread sampler = new Thread(
                    () -> {
                        while (sampling.get()) {
                            long s = System.nanoTime();
                            progress();
                            progressMs.add((System.nanoTime() - s) / 1e6);
                            // the same answer without HTTP, and Temporal's query alone: where the time goes
                            s = System.nanoTime();
                            service.get(ID);
                            serviceMs.add((System.nanoTime() - s) / 1e6);
                            s = System.nanoTime();
                            worker.client()
                                    .newWorkflowStub(RollingUpgrade.class, ID)
                                    .progress();
                            queryMs.add((System.nanoTime() - s) / 1e6);
                            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
                        }
                    },
                    "progress-sampler");
            sampler.start();
            long[] cutoverSeen = new long[2];
            await().atMost(LONG).pollInterval(Duration.ofMillis(100)).until(() -> {
                String phase = progress().getString("phase");
                if ("CUTTING_OVER".equals(phase) && cutoverSeen[0] == 0) {
                    cutoverSeen[0] = System.nanoTime();
                }
                return "AWAITING_APPROVAL".equals(phase);
            });
            cutoverSeen[1] = System.nanoTime();
            double upgradeS = (cutoverSeen[1] - t0) / 1e9;
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> writer.acks().stream().anyMatch(a -> a.ackNanos() > cutoverSeen[1] + 2_000_000_000L));
            List<AckedWriter.Ack> acks = writer.acks();
            // the gaps around the cutover: from a little before it was first seen to a little after it ended
            long from = (cutoverSeen[0] == 0 ? cutoverSeen[1] - 5_000_000_000L : cutoverSeen[0]) - 2_000_000_000L;
            List<AckedWriter.Ack> window = acks.stream()
                    .filter(a -> a.ackNanos() >= from && a.ackNanos() <= cutoverSeen[1] + 2_000_000_000L)
                    .toList();
            System.out.printf(
                    Locale.ROOT,
                    "upgrade to PostgreSQL %d: %.1f s from start to cut over (shift 50 %%, soak %s)%n",
                    UpgradeClusterResource.TARGET_MAJOR,
                    upgradeS,
                    UpgradeClusterResource.SOAK);
            System.out.printf(
                    Locale.ROOT,
                    "longest gap between acknowledged writes at cutover: %.0f ms (%d writes around it; whole run: %.0f ms)%n",
                    AckedWriter.longestGapMillis(window),
                    window.size(),
                    AckedWriter.longestGapMillis(acks));
            printLongestGap(window, cutoverSeen[0], sourcePort);
            long t1 = System.nanoTime();
            rollback();
            System.out.printf(
                    Locale.ROOT,
                    "rollback after cutover: %.0f ms from request to 100 %% on the source%n",
                    (System.nanoTime() - t1) / 1e6);
            sampling.set(false);
            sampler.join();
            writer.close();
            System.out.printf(
                    Locale.ROOT, "  client errors: %d, acknowledged writes: %d%n", writer.failed(), writer.acked());
        }
        printLatency("progress query (GET /upgrades/{id})", progressMs);
        printLatency("progress query (UpgradeService.get: describe + query, no HTTP)", serviceMs);
        printLatency("progress query (Temporal query alone)", queryMs);
        await().atMost(LONG)
                .until(() ->
                        "ROLLED_BACK".equals(progress().getString("phase")) && !UpgradeClusterResource.targetExists());
    }

    private static long fill(int mb) throws Exception {
        long rows = mb * 1024L * 1024L / ROW_BYTES;
        try (Connection c = UpgradeClusterResource.connectSource();
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO public.orders (payload) SELECT repeat('x', 200) || g FROM generate_series(1, "
                    + rows + ") g");
            st.execute("VACUUM ANALYZE public.orders");
            try (ResultSet rs = st.executeQuery("SELECT pg_total_relation_size('public.orders')")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void printLatency(String what, List<Double> samples) {
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        System.out.printf(
                Locale.ROOT,
                "%s: p50 %.1f ms, p99 %.1f ms over %d calls%n",
                what,
                pct(sorted, 0.50),
                pct(sorted, 0.99),
                sorted.size());
    }

    private static double pct(List<Double> sorted, double q) {
        return sorted.isEmpty()
                ? Double.NaN
                : sorted.get((int) Math.min(sorted.size() - 1, Math.floor(q * sorted.size())));
    }

    private static AckedWriter writer() {
        return new AckedWriter(
                UpgradeClusterResource.bouncer.jdbcUrl(),
                UpgradeClusterResource.bouncer.jdbcProperties(),
                UpgradeClusterResource.TABLE);
    }

    private static void start() {
        given().header("Authorization", "Bearer " + UpgradeClusterResource.TOKEN)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "source",
                        UpgradeClusterResource.SOURCE,
                        "target_version",
                        UpgradeClusterResource.TARGET_MAJOR,
                        "shifts",
                        List.of(50),
                        "tables",
                        List.of(UpgradeClusterResource.TABLE)))
                .post("/upgrades")
                .then()
                .statusCode(200);
    }

    private static void rollback() {
        given().header("Authorization", "Bearer " + UpgradeClusterResource.TOKEN)
                .contentType(ContentType.JSON)
                .body(Map.of("reason", "bench"))
                .post("/upgrades/" + ID + "/rollback")
                .then()
                .statusCode(200);
    }

    private static JsonPath progress() {
        JsonPath view =
                given().get("/upgrades/" + ID).then().statusCode(200).extract().jsonPath();
        return new JsonPath(view.prettify()).setRootPath("progress");
    }

    /**
     * Where the longest gap was: whether the writer changed servers across it, and when, from the cutover's start; then
     * the writer's timeline by server, to lay next to the cutover's log line ("clients held ... from ...").
     */
    private static void printLongestGap(List<AckedWriter.Ack> acks, long cutoverSeenNanos, int sourcePort) {
        int worst = 0;
        long worstGap = -1;
        for (int i = 1; i < acks.size(); i++) {
            long gap = acks.get(i).ackNanos() - acks.get(i - 1).ackNanos();
            if (gap > worstGap) {
                worstGap = gap;
                worst = i;
            }
        }
        if (worst == 0) {
            return;
        }
        long epochNanosOffset = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        AckedWriter.Ack before = acks.get(worst - 1);
        AckedWriter.Ack after = acks.get(worst);
        System.out.printf(
                Locale.ROOT,
                "  client gap: %.0f ms, from %s to %s, from %s to %s, ending %.0f ms after CUTTING_OVER was first seen%n",
                (after.ackNanos() - before.ackNanos()) / 1e6,
                side(before, sourcePort),
                side(after, sourcePort),
                wallClock(before, epochNanosOffset),
                wallClock(after, epochNanosOffset),
                (after.ackNanos() - cutoverSeenNanos) / 1e6);
        int runStart = 0;
        for (int i = 1; i <= acks.size(); i++) {
            if (i == acks.size()
                    || acks.get(i).serverPort() != acks.get(runStart).serverPort()) {
                System.out.printf(
                        Locale.ROOT,
                        "  client on %s from %s to %s (%d writes)%n",
                        side(acks.get(runStart), sourcePort),
                        wallClock(acks.get(runStart), epochNanosOffset),
                        wallClock(acks.get(i - 1), epochNanosOffset),
                        i - runStart);
                runStart = i;
            }
        }
    }

    private static String side(AckedWriter.Ack ack, int sourcePort) {
        return (ack.serverPort() == sourcePort ? "source" : "target") + " (port " + ack.serverPort() + ")";
    }

    private static Instant wallClock(AckedWriter.Ack ack, long epochNanosOffset) {
        return Instant.ofEpochMilli((ack.ackNanos() + epochNanosOffset) / 1_000_000L);
    }
}
