package io.pgactive.tools.api.watch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.json.MergePatch;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.sdk.WatchClient;
import io.pgactive.tools.sdk.WatchState;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.store.HistoryService;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@QuarkusTest
@QuarkusTestResource(value = WatchClusterResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatchResourceTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    SnapshotBus bus;

    @Inject
    WatchFeed feed;

    @Inject
    HistoryService history;

    /** Exactly what GET /snapshot served at each version. */
    private final Map<Long, byte[]> published = new ConcurrentHashMap<>();

    private Cancellable recording;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void record() {
        recording = bus.stream().subscribe().with(s -> published.put(s.version(), s.json()), f -> {});
        awaitAllHealthy(Duration.ofSeconds(120));
    }

    @AfterEach
    void closeAll() throws Exception {
        recording.cancel();
        for (AutoCloseable c : open) {
            c.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> feed.subscriberCount() == 0);
    }

    @Test
    void appliedStreamEqualsTheSnapshotAtEveryVersionAcrossAReconnect() throws Exception {
        WatchClient client = WatchClient.builder(base).build();
        List<WatchClient.Update> updates = new CopyOnWriteArrayList<>();
        run(client, updates);
        await().atMost(Duration.ofSeconds(30)).until(() -> updates.size() >= 5);
        client.disconnect();
        int before = updates.size();
        await().atMost(Duration.ofSeconds(30)).until(() -> updates.size() >= before + 5);

        assertThat(client.connections()).isEqualTo(2);
        assertThat(updates.get(0).reset()).isFalse();
        for (int i = 1; i < updates.size(); i++) {
            // resumed with Last-Event-ID: no gap, no duplicate, no reset
            assertThat(updates.get(i).version()).isEqualTo(updates.get(i - 1).version() + 1);
            assertThat(updates.get(i).reset()).isFalse();
        }
        for (WatchClient.Update u : updates) {
            byte[] json = published.get(u.version());
            if (json == null) {
                continue; // published before this test started recording
            }
            ObjectNode served = (ObjectNode) SnapshotJson.MAPPER.readTree(json);
            assertThat(u.state()).isEqualTo(MergePatch.canonical(served));
            assertThat(SnapshotJson.MAPPER.treeToValue(u.state(), Snapshot.class))
                    .isEqualTo(SnapshotJson.MAPPER.readValue(json, Snapshot.class));
        }
        assertThat(updates.stream().filter(u -> published.containsKey(u.version())))
                .hasSizeGreaterThan(5);
    }

    @Test
    void everyMessageIsAtMostOneKilobyteAndVersionsEndWithTheirId() throws Exception {
        RawStream raw = stream("/watch", Map.of());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> raw.events.stream()
                                .filter(e -> "delta".equals(e.event()))
                                .count()
                        >= 4);
        assertThat(raw.response.headers().firstValue("content-type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        List<SseEvents.Event> events = List.copyOf(raw.events);
        assertThat(events.get(0).retry()).isEqualTo("2000");
        assertThat(events).allSatisfy(e -> {
            if (e.data() != null) {
                assertThat(e.dataBytes()).isLessThanOrEqualTo(1024);
            }
        });
        // twenty nodes do not fit in one message: the snapshot comes in parts, the last one with the id
        long snapshotParts =
                events.stream().filter(e -> "snapshot-part".equals(e.event())).count();
        assertThat(snapshotParts).isGreaterThan(5);
        for (SseEvents.Event e : events) {
            boolean complete = "snapshot".equals(e.event()) || "delta".equals(e.event());
            assertThat(e.id() != null).as("id on %s", e.event()).isEqualTo(complete);
        }
        assertThat(raw.names()).contains("delta-part");
    }

    @Test
    void heartbeatsCarryTheVersionWithData() throws Exception {
        RawStream raw = stream("/watch?nodes=node1", Map.of());
        await().atMost(Duration.ofSeconds(20)).until(() -> raw.names().contains("heartbeat"));
        SseEvents.Event hb = raw.events.stream()
                .filter(e -> "heartbeat".equals(e.event()))
                .findFirst()
                .orElseThrow();
        long version = SnapshotJson.MAPPER.readTree(hb.data()).get("version").asLong();
        assertThat(version).isPositive();
        assertThat(hb.id()).isNull();
    }

    @Test
    void nodeFilterLimitsTheStream() throws Exception {
        WatchClient client =
                WatchClient.builder(base).nodes(List.of("node2", "node7")).build();
        List<WatchClient.Update> updates = new CopyOnWriteArrayList<>();
        run(client, updates);
        await().atMost(Duration.ofSeconds(30)).until(() -> updates.size() >= 3);
        for (WatchClient.Update u : updates) {
            assertThat(u.state().get("nodes").size()).isEqualTo(2);
            assertThat(u.state().get("nodes").has("node7")).isTrue();
            assertThat(u.state().get("cluster").get("nodes_total").asInt()).isEqualTo(WatchClusterResource.NODES);
        }
    }

    @Test
    void aVersionOutsideTheWindowOrAheadGetsAResetAndTheFullState() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> feed.latest().version > 12);
        RawStream old = stream("/watch", Map.of("Last-Event-ID", "0")); // before any version the history could hold
        RawStream ahead = stream("/watch?since=" + (feed.latest().version + 1000), Map.of());
        for (RawStream raw : List.of(old, ahead)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> raw.names().contains("snapshot"));
            assertThat(raw.names().get(1)).isEqualTo("reset");
        }
        assertThat(old.events.get(1).data()).contains("too_old");
        assertThat(ahead.events.get(1).data()).contains("ahead");
        // within the window: only deltas, starting right after the given version
        long since = feed.latest().version - 3;
        RawStream recent = stream("/watch?since=" + since, Map.of());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> recent.events.stream().anyMatch(e -> e.id() != null));
        SseEvents.Event first =
                recent.events.stream().filter(e -> e.id() != null).findFirst().orElseThrow();
        assertThat(first.event()).isEqualTo("delta");
        assertThat(first.id()).isEqualTo(Long.toString(since + 1));
        assertThat(recent.names()).doesNotContain("reset", "snapshot");
    }

    @Test
    void aStatusFilterFollowsANodeInAndOutAndEqualsTheFilteredSnapshotAtEveryVersion() throws Exception {
        WatchClient client = WatchClient.builder(base).minStatus("degraded").build();
        List<WatchClient.Update> updates = new CopyOnWriteArrayList<>();
        run(client, updates);
        await().atMost(Duration.ofSeconds(30)).until(() -> !updates.isEmpty());
        assertThat(updates.get(0).state().get("nodes")).isEmpty(); // every node is healthy
        var node = WatchClusterResource.cluster.node("node9");
        node.stop();
        try {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> last(updates).path("nodes").has("node9"));
            assertThat(last(updates).path("nodes").path("node9").path("status").asText())
                    .isIn("DEGRADED", "DOWN");
            // it arrived whole, not as the few fields that changed
            assertThat(last(updates).path("nodes").path("node9").has("name")).isTrue();
        } finally {
            node.start();
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !last(updates).path("nodes").has("node9"));
        assertThat(last(updates).path("nodes")).isEmpty();

        // the versions compared must include node9 entering the selection and leaving it again
        boolean in = false;
        boolean outAfterIn = false;
        for (int i = 0; i < updates.size(); i++) {
            WatchClient.Update u = updates.get(i);
            assertThat(u.reset()).isFalse();
            if (i > 0) {
                assertThat(u.version()).isEqualTo(updates.get(i - 1).version() + 1);
            }
            byte[] json = published.get(u.version());
            if (json != null) {
                ObjectNode served = MergePatch.canonical((ObjectNode) SnapshotJson.MAPPER.readTree(json));
                ObjectNode expected = served.deepCopy();
                ObjectNode nodes = expected.putObject("nodes");
                served.get("nodes").fields().forEachRemaining(e -> {
                    if (!e.getValue().get("status").asText().equals("HEALTHY")) {
                        nodes.set(e.getKey(), e.getValue());
                    }
                });
                assertThat(u.state()).as("version %d", u.version()).isEqualTo(expected);
                in |= nodes.has("node9");
                outAfterIn |= in && !nodes.has("node9");
            }
        }
        assertThat(in).isTrue();
        assertThat(outAfterIn).isTrue();
        awaitAllHealthy(Duration.ofSeconds(60));
    }

    /** Waits on the count alone: a failure names the count, never the whole snapshot. */
    private void awaitAllHealthy(Duration atMost) {
        await("all " + WatchClusterResource.NODES + " nodes healthy")
                .atMost(atMost)
                .until(
                        () -> bus.latest()
                                .map(p -> p.snapshot().cluster().nodesHealthy())
                                .orElse(-1),
                        equalTo(WatchClusterResource.NODES));
    }

    private static JsonNode last(List<WatchClient.Update> updates) {
        return updates.get(updates.size() - 1).state();
    }

    @Test
    void aResumeOlderThanTheWindowIsReplayedFromTheHistoryWithoutAReset() throws Exception {
        long since = resumePoint();
        RawStream raw = stream("/watch", Map.of("Last-Event-ID", Long.toString(since)));
        long until = feed.latest().version + 2;
        await().atMost(Duration.ofSeconds(30)).until(() -> lastId(raw) >= until);
        assertThat(raw.names()).doesNotContain("reset", "snapshot", "snapshot-part");
        SseEvents.Event first =
                raw.events.stream().filter(e -> e.id() != null).findFirst().orElseThrow();
        assertThat(first.id()).isEqualTo(Long.toString(since + 1));
        // applied on top of the client's state at `since`, every version equals what GET /snapshot served
        List<WatchClient.Update> applied = apply(since, raw.events);
        assertThat(applied.get(applied.size() - 1).version()).isGreaterThanOrEqualTo(until);
        for (int i = 0; i < applied.size(); i++) {
            WatchClient.Update u = applied.get(i);
            assertThat(u.version()).isEqualTo(since + 1 + i);
            assertThat(u.state()).as("version %d", u.version()).isEqualTo(MergePatch.canonical((ObjectNode)
                    SnapshotJson.MAPPER.readTree(published.get(u.version()))));
        }
    }

    @Test
    void aResumeIntoVersionsTheHistoryNoLongerHoldsGetsAResetAndTheFullState() throws Exception {
        long since = resumePoint();
        double before = resets("too_old");
        // what thinning does to a version when the writer falls behind (and retention, later, to every version)
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + WatchClusterResource.database);
                Statement st = c.createStatement()) {
            st.execute("PRAGMA busy_timeout = 5000");
            assertThat(st.executeUpdate("DELETE FROM snapshot_json WHERE version = " + (since + 3)))
                    .isEqualTo(1);
        }
        RawStream raw = stream("/watch", Map.of("Last-Event-ID", Long.toString(since)));
        long until = feed.latest().version + 2;
        await().atMost(Duration.ofSeconds(30)).until(() -> lastId(raw) >= until);
        assertThat(raw.names()).contains("reset");
        SseEvents.Event reset = raw.events.stream()
                .filter(e -> "reset".equals(e.event()))
                .findFirst()
                .orElseThrow();
        assertThat(reset.data()).contains("too_old").contains(Long.toString(since + 3));
        assertThat(resets("too_old")).isGreaterThan(before);
        // nothing of the broken range was sent before the reset: no delta past the gap
        List<SseEvents.Event> beforeReset = raw.events.subList(0, raw.events.indexOf(reset));
        assertThat(beforeReset.stream().filter(e -> e.id() != null).map(e -> Long.parseLong(e.id())))
                .allSatisfy(v -> assertThat(v).isLessThan(since + 3));
        List<WatchClient.Update> applied = apply(since, raw.events);
        WatchClient.Update last = applied.get(applied.size() - 1);
        assertThat(last.state()).isEqualTo(MergePatch.canonical((ObjectNode)
                SnapshotJson.MAPPER.readTree(published.get(last.version()))));
    }

    /** A version older than the in-memory window whose successors the history database already holds. */
    private long resumePoint() {
        await().atMost(Duration.ofSeconds(60)).until(() -> published.size() > 30 && feed.windowSize() >= 10);
        long since =
                published.keySet().stream().mapToLong(Long::longValue).min().orElseThrow() + 2;
        await().atMost(Duration.ofSeconds(60))
                .until(() -> feed.latest().version - since > 2L * feed.windowSize()
                        && history.store().status().storedVersion() > feed.latest().version - feed.windowSize());
        return since;
    }

    private static long lastId(RawStream raw) {
        return raw.events.stream()
                .filter(e -> e.id() != null)
                .mapToLong(e -> Long.parseLong(e.id()))
                .max()
                .orElse(-1);
    }

    /** The events applied by the reference client on top of the state it held at {@code since}. */
    private List<WatchClient.Update> apply(long since, List<SseEvents.Event> events) throws Exception {
        WatchState state = new WatchState();
        state.apply(
                "snapshot",
                SseFrames.text(MergePatch.canonical((ObjectNode) SnapshotJson.MAPPER.readTree(published.get(since)))),
                Long.toString(since));
        List<WatchClient.Update> out = new ArrayList<>();
        for (SseEvents.Event e : events) {
            if (e.event() == null || e.event().equals("heartbeat")) {
                continue;
            }
            boolean reset = "reset".equals(e.event());
            state.apply(e.event(), e.data(), e.id())
                    .ifPresent(s -> out.add(new WatchClient.Update(Long.parseLong(e.id()), s, reset)));
        }
        return out;
    }

    @Test
    void badParametersAreProblemsBeforeTheStream() {
        given().get("/watch?min_status=SICK")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("min_status"))
                .body("detail", containsString("SICK"));
        given().get("/watch?nodes=node1&min_status=")
                .then()
                .statusCode(400)
                .body("detail", containsString("min_status"));
        given().get("/watch?since=abc")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("since"));
        given().header("Last-Event-ID", "-4")
                .get("/watch")
                .then()
                .statusCode(400)
                .body("detail", containsString("Last-Event-ID"));
        given().get("/watch?nodes=node1,nope")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("nope"));
        given().get("/watch?nodes=").then().statusCode(400);
    }

    @Test
    void aSlowReaderIsCutOffWithoutDelayingAFastOne() throws Exception {
        double disconnectsBefore = counter("slow_consumer");
        Socket slow = new Socket();
        open.add(slow);
        slow.setReceiveBufferSize(1024);
        slow.connect(new InetSocketAddress(base.getHost(), base.getPort()));
        OutputStream out = slow.getOutputStream();
        out.write(("GET /watch HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        // never read: the server's write queue fills, then the subscriber's bounded queue

        WatchClient client = WatchClient.builder(base).build();
        List<WatchClient.Update> updates = new CopyOnWriteArrayList<>();
        run(client, updates);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(feed.maxPending()).isLessThanOrEqualTo(4);
            assertThat(counter("slow_consumer")).isGreaterThan(disconnectsBefore);
        });
        assertThat(feed.maxPending()).isLessThanOrEqualTo(4);
        int now = updates.size();
        await().atMost(Duration.ofSeconds(10)).until(() -> updates.size() > now + 2);
        for (int i = 1; i < updates.size(); i++) {
            assertThat(updates.get(i).version()).isEqualTo(updates.get(i - 1).version() + 1);
        }
        assertThat(client.connections()).isEqualTo(1);
    }

    @Test
    void aReaderThatFallsBehindIsResetToTheFullStateAndContinues() throws Exception {
        double resetsBefore = resets("slow_consumer");
        Socket lagging = new Socket();
        open.add(lagging);
        lagging.setReceiveBufferSize(1024);
        lagging.connect(new InetSocketAddress(base.getHost(), base.getPort()));
        lagging.getOutputStream()
                .write(("GET /watch HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        await().atMost(Duration.ofSeconds(60)).until(() -> resets("slow_consumer") > resetsBefore);
        // catch up now, before the slow-consumer timeout: the stream goes on from a fresh snapshot
        StringBuilder text = new StringBuilder();
        InputStream in = lagging.getInputStream();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[65536];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (text) {
                        text.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                    }
                }
            } catch (IOException closed) {
                // the test closes the socket
            }
        });
        reader.setDaemon(true);
        reader.start();
        Pattern after = Pattern.compile(
                "event: reset\ndata: \\{\"reason\":\"slow_consumer\"[^\n]*\n\n(?s:.*?)event: snapshot\nid: (\\d+)\n(?s:.*?)event: delta\nid: (\\d+)\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            synchronized (text) {
                return after.matcher(text).find();
            }
        });
        Matcher m;
        synchronized (text) {
            m = after.matcher(text);
            assertThat(m.find()).isTrue();
        }
        assertThat(Long.parseLong(m.group(2))).isEqualTo(Long.parseLong(m.group(1)) + 1);
    }

    @Test
    void subscriberCapAnswers503WithRetryAfterAndTheGaugeCounts() throws Exception {
        for (int i = 0; i < 12; i++) {
            RawStream raw = stream("/watch?nodes=node3", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> raw.names().contains("snapshot"));
        }
        given().get("/watch").then().statusCode(503).header("Retry-After", "5").contentType("application/problem+json");
        given().header("Accept", "text/plain; version=0.0.4")
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("pgactive_watch_subscribers 12.0"));
    }

    @Test
    void openApiDescribesTheStream() {
        given().accept("application/json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .body(containsString("/watch"))
                .body(containsString("Last-Event-ID"))
                .body(containsString("/snapshot"));
    }

    /** Last: the feed stops as on shutdown. */
    @Test
    @Order(Integer.MAX_VALUE)
    void shutdownEndsStreamsWithAFinalEvent() throws Exception {
        RawStream raw = stream("/watch?nodes=node4", Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> raw.names().contains("snapshot"));
        feed.stop(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> raw.ended);
        SseEvents.Event last = raw.events.get(raw.events.size() - 1);
        assertThat(last.event()).isEqualTo("shutdown");
        assertThat(SnapshotJson.MAPPER.readTree(last.data()).get("version").asLong())
                .isPositive();
    }

    private double resets(String reason) {
        String metrics = given().header("Accept", "text/plain; version=0.0.4")
                .get("/q/metrics")
                .asString();
        return metrics.lines()
                .filter(l -> l.startsWith("pgactive_watch_resets_total{") && l.contains("\"" + reason + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private double counter(String reason) {
        String metrics = given().header("Accept", "text/plain; version=0.0.4")
                .get("/q/metrics")
                .asString();
        return metrics.lines()
                .filter(l -> l.startsWith("pgactive_watch_disconnects_total{") && l.contains("\"" + reason + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private RawStream stream(String path, Map<String, String> headers) throws Exception {
        RawStream raw = new RawStream(base.resolve(path).toString(), headers);
        open.add(raw);
        assertThat(raw.response.statusCode()).isEqualTo(200);
        return raw;
    }

    private void run(WatchClient client, List<WatchClient.Update> into) {
        open.add(client);
        Thread t = new Thread(
                () -> {
                    try {
                        client.run(into::add);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "watch-client");
        t.setDaemon(true);
        t.start();
    }
}
