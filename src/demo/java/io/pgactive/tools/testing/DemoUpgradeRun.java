package io.pgactive.tools.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgactive.tools.config.Dsn;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * One upgrade of the demo's {@value DemoUpgradeRoute#SOURCE_NODE} through the running service, told as a timeline:
 * the upgrade's decisions with their times, the traffic split and where the writer's acknowledged writes went at each
 * step, the longest gap between acknowledged writes at cutover, and the rows on each side (count and checksum). Then,
 * unless asked to keep the upgrade, a rollback after cutover, which leaves the demo as it was so the run can be repeated.
 *
 * <p>It runs inside the demo, next to the writer whose acknowledgements it reads, and prints to a file that
 * {@code bin/demo-upgrade} follows; its last line starts with {@value #DONE}.
 */
final class DemoUpgradeRun {

    static final String DONE = "DONE ";
    private static final String ID = "rolling-upgrade-" + DemoUpgradeRoute.SOURCE_NODE;
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration UPGRADE_LIMIT = Duration.ofMinutes(15);
    private static final long AROUND_CUTOVER_NANOS = 2_000_000_000L;
    private static final String ROWS =
            "SELECT count(*), md5(coalesce(string_agg(id || ':' || payload, ',' ORDER BY id), ''))" + " FROM "
                    + DemoUpgradeRoute.TABLE + " WHERE id <= ?";
    private static final String ACKED_PRESENT = "SELECT count(*) FROM " + DemoUpgradeRoute.TABLE
            + " o JOIN unnest(?::bigint[], ?::text[]) AS a(id, payload) ON o.id = a.id AND o.payload = a.payload";

    private final DemoUpgradeRoute route;
    private final String baseUrl;
    private final String token;
    private final List<Integer> shifts;
    private final boolean keep;
    private final PrintWriter out;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Set<String> decisionsShown = new HashSet<>();

    DemoUpgradeRun(
            DemoUpgradeRoute route, String baseUrl, String token, List<Integer> shifts, boolean keep, PrintWriter out) {
        this.route = route;
        this.baseUrl = baseUrl;
        this.token = token;
        this.shifts = List.copyOf(shifts);
        this.keep = keep;
        this.out = out;
    }

    /** Runs the upgrade; every outcome ends with a {@value #DONE} line. */
    void run() {
        try {
            upgrade();
            print(DONE + "ok");
        } catch (Exception e) {
            if (!keep) {
                rollbackAfterFailure();
            }
            print(DONE + "failed: " + e.getMessage());
        }
    }

    /** An upgrade left half way would leave the demo unusable for the next run: send it back to the source. */
    private void rollbackAfterFailure() {
        try {
            HttpResponse<String> r = send(
                    "POST",
                    "/upgrades/" + ID + "/rollback",
                    json.writeValueAsString(Map.of("reason", "demo: the run failed")));
            if (r.statusCode() == 200) {
                print("rolled back: traffic is on PostgreSQL " + DemoUpgradeRoute.SOURCE_MAJOR + " again");
            }
        } catch (IOException e) {
            print("could not roll back: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void upgrade() throws Exception {
        int sourcePort = route.source().port();
        print(String.format(
                Locale.ROOT,
                "%s on PostgreSQL %d behind HAProxy and PgBouncer; the writer has %d acknowledged writes",
                DemoUpgradeRoute.SOURCE_NODE,
                DemoUpgradeRoute.SOURCE_MAJOR,
                route.writer().acked()));
        print("preparing the target " + DemoUpgradeRoute.TARGET_NODE + " (PostgreSQL " + DemoUpgradeRoute.TARGET_MAJOR
                + ") with the application's schema");
        int targetPort = route.prepareTarget().port();
        long startNanos = System.nanoTime();
        String body = json.writeValueAsString(Map.of(
                "source",
                DemoUpgradeRoute.SOURCE_NODE,
                "target_version",
                DemoUpgradeRoute.TARGET_MAJOR,
                "shifts",
                shifts,
                "tables",
                List.of(DemoUpgradeRoute.TABLE)));
        HttpResponse<String> started = send("POST", "/upgrades", body);
        if (started.statusCode() != 200) {
            throw new IllegalStateException(
                    "POST /upgrades answered " + started.statusCode() + ": " + problem(started));
        }
        print("upgrade " + ID + " started: shifts " + shifts + ", then cutover");
        print("");
        print(String.format(Locale.ROOT, "%-12s  %-42s %-7s %s", "time", "phase", "target", "decision"));

        int stepPercent = -1;
        long stepFromAck = lastAckNanos();
        long cutoverSeen = 0;
        long cutoverDone = 0;
        Map<Integer, String> stepWrites = new TreeMap<>();
        long deadline = System.nanoTime() + UPGRADE_LIMIT.toNanos();
        while (true) {
            JsonNode progress = progress();
            showDecisions(progress);
            String phase = progress.path("phase").asText();
            int percent = progress.path("target_percent").asInt();
            if ("CUTTING_OVER".equals(phase) && cutoverSeen == 0) {
                cutoverSeen = System.nanoTime();
            }
            if (percent != stepPercent) {
                if (stepPercent >= 0) {
                    stepWrites.put(stepPercent, writesSince(stepFromAck, sourcePort, targetPort));
                }
                stepPercent = percent;
                stepFromAck = lastAckNanos();
            }
            if ("AWAITING_APPROVAL".equals(phase) || "COMPLETED".equals(phase)) {
                cutoverDone = System.nanoTime();
                break;
            }
            if ("ROLLED_BACK".equals(phase) || "FAILED".equals(phase)) {
                throw new IllegalStateException("the upgrade ended " + phase + ": "
                        + progress.path("state")
                                .path("error")
                                .asText(progress.path("hold_reason").asText("")));
            }
            if (!"NONE".equals(progress.path("hold").asText("NONE"))) {
                throw new IllegalStateException(
                        "the upgrade is held (" + progress.path("hold").asText() + "): "
                                + progress.path("hold_reason").asText() + "; see pgactive-tools upgrade status "
                                + DemoUpgradeRoute.SOURCE_NODE);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "no cutover within " + UPGRADE_LIMIT.toMinutes() + " minutes (phase " + phase + ")");
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
        double upgradeSeconds = (cutoverDone - startNanos) / 1e9;
        // the writes right after cutover belong to the picture: wait for some before measuring
        long after = cutoverDone + AROUND_CUTOVER_NANOS;
        while (lastAckNanos() < after && System.nanoTime() < after + 30_000_000_000L) {
            LockSupport.parkNanos(POLL.toNanos());
        }
        stepWrites.put(stepPercent, writesSince(stepFromAck, sourcePort, targetPort));
        List<AckedWriter.Ack> acks = route.writer().acks();
        long from = (cutoverSeen == 0 ? cutoverDone : cutoverSeen) - AROUND_CUTOVER_NANOS;
        List<AckedWriter.Ack> window = acks.stream()
                .filter(a -> a.ackNanos() >= from && a.ackNanos() <= after)
                .toList();
        List<AckedWriter.Ack> run =
                acks.stream().filter(a -> a.ackNanos() >= startNanos).toList();

        print("");
        print("traffic at each step (the router's split, and where the writer's acknowledged writes went):");
        stepWrites.forEach((p, w) -> print(
                String.format(Locale.ROOT, "  %3d %% on PostgreSQL %d: %s", p, DemoUpgradeRoute.TARGET_MAJOR, w)));
        print(String.format(
                Locale.ROOT,
                "cut over to PostgreSQL %d %.1f s after the start",
                DemoUpgradeRoute.TARGET_MAJOR,
                upgradeSeconds));
        print(String.format(
                Locale.ROOT,
                "longest gap between acknowledged writes at cutover: %.0f ms (%d writes around it;"
                        + " whole upgrade: %.0f ms); client errors: %d",
                AckedWriter.longestGapMillis(window),
                window.size(),
                AckedWriter.longestGapMillis(run),
                route.writer().failed()));
        rowsOnEachSide(run);

        if (keep) {
            print("");
            print("kept: " + DemoUpgradeRoute.SOURCE_NODE + "'s traffic runs on PostgreSQL "
                    + DemoUpgradeRoute.TARGET_MAJOR
                    + " and every change flows back to " + DemoUpgradeRoute.SOURCE_NODE
                    + "; next: pgactive-tools upgrade approve "
                    + DemoUpgradeRoute.SOURCE_NODE
                    + " --reason ... (decommissions the old node) or pgactive-tools upgrade rollback "
                    + DemoUpgradeRoute.SOURCE_NODE + " --reason ...");
            return;
        }
        print("");
        print("rolling back after cutover (bin/demo-upgrade --keep leaves the upgrade waiting for approval instead)");
        long rollbackStart = System.nanoTime();
        HttpResponse<String> rolled = send(
                "POST",
                "/upgrades/" + ID + "/rollback",
                json.writeValueAsString(Map.of("reason", "demo: rollback after cutover")));
        if (rolled.statusCode() != 200) {
            throw new IllegalStateException("rollback answered " + rolled.statusCode() + ": " + problem(rolled));
        }
        double rollbackMs = (System.nanoTime() - rollbackStart) / 1e6;
        long rollbackDeadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        JsonNode progress;
        do {
            LockSupport.parkNanos(POLL.toNanos());
            progress = progress();
            showDecisions(progress);
            if (System.nanoTime() > rollbackDeadline) {
                throw new IllegalStateException("the rollback did not finish within 3 minutes (phase "
                        + progress.path("phase").asText() + ")");
            }
        } while (!"ROLLED_BACK".equals(progress.path("phase").asText()) || route.targetExists());
        print(String.format(
                Locale.ROOT,
                "rollback: %.0f ms from the request to 100 %% on PostgreSQL %d; target removed",
                rollbackMs,
                DemoUpgradeRoute.SOURCE_MAJOR));
        List<AckedWriter.Ack> sinceStart = route.writer().acks().stream()
                .filter(a -> a.ackNanos() >= startNanos)
                .toList();
        try (Connection source = DemoUpgradeRoute.connect(route.sourceAdmin())) {
            long missing = sinceStart.size() - present(source, sinceStart);
            print(String.format(
                    Locale.ROOT,
                    "%s on PostgreSQL %d again: %d acknowledged writes since the start, %d missing;"
                            + " client errors: %d",
                    DemoUpgradeRoute.SOURCE_NODE,
                    DemoUpgradeRoute.SOURCE_MAJOR,
                    sinceStart.size(),
                    missing,
                    route.writer().failed()));
        }
    }

    /**
     * Both sides up to the newest row on the target: the target's rows reach the source by the path back, so both
     * must hold the same rows, and every acknowledged write among them.
     */
    private void rowsOnEachSide(List<AckedWriter.Ack> run) throws SQLException {
        Dsn targetAdmin = route.targetAdmin().orElseThrow(() -> new IllegalStateException("the target is gone"));
        try (Connection target = DemoUpgradeRoute.connect(targetAdmin);
                Connection source = DemoUpgradeRoute.connect(route.sourceAdmin())) {
            long upTo;
            try (PreparedStatement st =
                            target.prepareStatement("SELECT coalesce(max(id), 0) FROM " + DemoUpgradeRoute.TABLE);
                    ResultSet rs = st.executeQuery()) {
                rs.next();
                upTo = rs.getLong(1);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            String[] onTarget = rows(target, upTo);
            String[] onSource = rows(source, upTo);
            while (!onTarget[0].equals(onSource[0]) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
                onSource = rows(source, upTo);
            }
            List<AckedWriter.Ack> acked =
                    run.stream().filter(a -> a.id() <= upTo).toList();
            print(String.format(
                    Locale.ROOT,
                    "rows up to id %d: PostgreSQL %d %s rows md5 %s; PostgreSQL %d %s rows md5 %s (%s)",
                    upTo,
                    DemoUpgradeRoute.SOURCE_MAJOR,
                    onSource[0],
                    onSource[1],
                    DemoUpgradeRoute.TARGET_MAJOR,
                    onTarget[0],
                    onTarget[1],
                    onSource[0].equals(onTarget[0]) && onSource[1].equals(onTarget[1]) ? "identical" : "DIFFERENT"));
            print(String.format(
                    Locale.ROOT,
                    "acknowledged writes during the upgrade: %d, missing on PostgreSQL %d: %d,"
                            + " missing on PostgreSQL %d: %d",
                    acked.size(),
                    DemoUpgradeRoute.TARGET_MAJOR,
                    acked.size() - present(target, acked),
                    DemoUpgradeRoute.SOURCE_MAJOR,
                    acked.size() - present(source, acked)));
        }
    }

    private static String[] rows(Connection c, long upTo) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(ROWS)) {
            st.setLong(1, upTo);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return new String[] {rs.getString(1), rs.getString(2)};
            }
        }
    }

    private static long present(Connection c, List<AckedWriter.Ack> acks) throws SQLException {
        Array ids =
                c.createArrayOf("bigint", acks.stream().map(AckedWriter.Ack::id).toArray());
        Array payloads = c.createArrayOf(
                "text", acks.stream().map(AckedWriter.Ack::payload).toArray());
        try (PreparedStatement st = c.prepareStatement(ACKED_PRESENT)) {
            st.setArray(1, ids);
            st.setArray(2, payloads);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private long lastAckNanos() {
        List<AckedWriter.Ack> acks = route.writer().acks();
        return acks.isEmpty() ? System.nanoTime() : acks.get(acks.size() - 1).ackNanos();
    }

    private String writesSince(long fromNanos, int sourcePort, int targetPort) {
        long onSource = 0;
        long onTarget = 0;
        for (AckedWriter.Ack a : route.writer().acks()) {
            if (a.ackNanos() > fromNanos) {
                if (a.serverPort() == sourcePort) {
                    onSource++;
                } else if (a.serverPort() == targetPort) {
                    onTarget++;
                }
            }
        }
        return onSource + " writes on PostgreSQL " + DemoUpgradeRoute.SOURCE_MAJOR + ", " + onTarget + " on PostgreSQL "
                + DemoUpgradeRoute.TARGET_MAJOR;
    }

    private void showDecisions(JsonNode progress) {
        for (JsonNode d : progress.path("state").path("recent")) {
            String key = d.path("at_millis").asLong() + "/" + d.path("action").asText() + "/"
                    + d.path("to").asText();
            if (decisionsShown.add(key)) {
                String at = LocalTime.ofInstant(
                                Instant.ofEpochMilli(d.path("at_millis").asLong()), ZoneId.systemDefault())
                        .format(CLOCK);
                String phase = d.path("from").asText().equals(d.path("to").asText())
                        ? d.path("to").asText()
                        : d.path("from").asText() + " -> " + d.path("to").asText();
                String reason = d.path("reason").asText("");
                print(String.format(
                        Locale.ROOT,
                        "%-12s  %-42s %3d %%   %s%s",
                        at,
                        phase,
                        d.path("target_percent").asInt(),
                        d.path("action").asText(),
                        reason.isEmpty() ? "" : ": " + shorten(reason)));
            }
        }
    }

    private static String shorten(String text) {
        return text.length() <= 90 ? text : text.substring(0, 87) + "...";
    }

    private JsonNode progress() throws IOException, InterruptedException {
        HttpResponse<String> r = send("GET", "/upgrades/" + ID, null);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET /upgrades/" + ID + " answered " + r.statusCode() + ": " + problem(r));
        }
        return json.readTree(r.body()).path("progress");
    }

    private String problem(HttpResponse<String> r) {
        try {
            JsonNode p = json.readTree(r.body());
            return p.path("detail").asText(p.path("title").asText(""));
        } catch (IOException e) {
            return "(no problem details)";
        }
    }

    private HttpResponse<String> send(String method, String path, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(60))
                .header("Accept", "application/json");
        if (body != null) {
            b.header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + token)
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void print(String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
