package io.pgactive.tools.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.pgactive.tools.contract.snapshot.ClusterSummary;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client's reading of answers the real service cannot easily be made to give (garbage, silence, odd errors), with
 * either transport: the JDK {@code HttpClient} and, for a short-lived process, {@code HttpURLConnection}.
 */
class ReplicationStateClientTest {

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static ReplicationStateClient.Builder builder(URI base, boolean shortLived) {
        ReplicationStateClient.Builder b = ReplicationStateClient.builder(base);
        return shortLived ? b.forShortLivedProcess() : b;
    }

    private ReplicationStateClient serving(boolean shortLived, int status, String contentType, String body)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("If-None-Match"));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", contentType);
            exchange.sendResponseHeaders(status, status == 304 ? -1 : bytes.length);
            if (status != 304) {
                exchange.getResponseBody().write(bytes);
            }
            exchange.close();
        });
        server.start();
        return builder(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), shortLived)
                .requestTimeout(Duration.ofSeconds(5))
                .build();
    }

    @ParameterizedTest(name = "short-lived process: {0}")
    @ValueSource(booleans = {false, true})
    void problemDetailsBecomeAProblemException(boolean shortLived) throws IOException {
        ReplicationStateClient c = serving(
                shortLived,
                400,
                "application/problem+json",
                "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,\"detail\":\"since: not an RFC 3339 time\"}");
        assertThatThrownBy(() -> c.conflicts("node1", "public.t", Instant.parse("2026-01-01T00:00:00Z"), 5))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.title()).isEqualTo("Bad Request");
                    assertThat(e.detail()).isEqualTo("since: not an RFC 3339 time");
                });
        assertThat(requests)
                .containsExactly("/conflicts?node=node1&table=public.t&since=2026-01-01T00%3A00%3A00Z&limit=5 null");
    }

    @ParameterizedTest(name = "short-lived process: {0}")
    @ValueSource(booleans = {false, true})
    void anErrorThatIsNotAProblemKeepsItsText(boolean shortLived) throws IOException {
        ReplicationStateClient c = serving(shortLived, 502, "text/html", "<html>bad gateway</html>");
        assertThatThrownBy(c::getSnapshot).isInstanceOfSatisfying(ProblemException.class, e -> {
            assertThat(e.status()).isEqualTo(502);
            assertThat(e.title()).isNull();
            assertThat(e.detail()).isEqualTo("<html>bad gateway</html>");
        });
    }

    @ParameterizedTest(name = "short-lived process: {0}")
    @ValueSource(booleans = {false, true})
    void somethingOtherThanJsonIsAProtocolError(boolean shortLived) throws IOException {
        ReplicationStateClient c = serving(shortLived, 200, "text/html", "<html>a login page</html>");
        assertThatThrownBy(c::getSnapshot).isInstanceOf(ProtocolException.class).hasMessageContaining("a login page");
    }

    @ParameterizedTest(name = "short-lived process: {0}")
    @ValueSource(booleans = {false, true})
    void jsonOfAnotherShapeIsAProtocolError(boolean shortLived) throws IOException {
        ReplicationStateClient c = serving(shortLived, 200, "application/json", "{\"items\": 3}");
        assertThatThrownBy(() -> c.events(null, null, null, null))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("items array");
    }

    @ParameterizedTest(name = "short-lived process: {0}")
    @ValueSource(booleans = {false, true})
    void aRedirectIsAnAnswerNotFollowed(boolean shortLived) throws IOException {
        // a proxy or login page redirecting elsewhere must not pass for the service, with either transport
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestURI().getPath());
            boolean elsewhere = exchange.getRequestURI().getPath().equals("/elsewhere");
            byte[] body = (elsewhere ? "{\"version\":1,\"nodes\":{}}" : "").getBytes(StandardCharsets.UTF_8);
            if (!elsewhere) {
                exchange.getResponseHeaders().add("Location", "/elsewhere");
            }
            exchange.sendResponseHeaders(elsewhere ? 200 : 302, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        ReplicationStateClient c = builder(
                        URI.create("http://127.0.0.1:" + server.getAddress().getPort()), shortLived)
                .build();
        assertThatThrownBy(c::getSnapshot)
                .isInstanceOfSatisfying(
                        ProblemException.class, e -> assertThat(e.status()).isEqualTo(302));
        assertThat(requests).containsExactly("/snapshot");
    }

    @ParameterizedTest(name = "short-lived process: {0}")
    @ValueSource(booleans = {false, true})
    void notModifiedIsEmptyAndSendsTheVersionAsETag(boolean shortLived) throws IOException {
        ReplicationStateClient c = serving(shortLived, 304, "application/json", "");
        assertThat(c.getSnapshotIfNewer(42)).isEmpty();
        assertThat(requests).containsExactly("/snapshot \"42\"");
    }

    @ParameterizedTest(name = "short-lived process: {0}")
    @ValueSource(booleans = {false, true})
    void aServiceThatAcceptsButNeverAnswersTimesOut(boolean shortLived) throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ReplicationStateClient c = builder(URI.create("http://127.0.0.1:" + silent.getLocalPort()), shortLived)
                    .requestTimeout(Duration.ofMillis(300))
                    .build();
            long start = System.nanoTime();
            assertThatThrownBy(c::getSnapshot).isInstanceOfSatisfying(ServiceUnreachableException.class, e -> {
                assertThat(e.timedOut()).isTrue();
                assertThat(e.getMessage()).startsWith("service unreachable").contains("300 ms");
            });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest(name = "short-lived process: {0}")
    @ValueSource(booleans = {false, true})
    void aClosedPortIsUnreachableNotTimedOut(boolean shortLived) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ReplicationStateClient c =
                builder(URI.create("http://127.0.0.1:" + port), shortLived).build();
        assertThatThrownBy(c::getSnapshot)
                .isInstanceOfSatisfying(
                        ServiceUnreachableException.class,
                        e -> assertThat(e.timedOut()).isFalse());
    }

    @ParameterizedTest(name = "short-lived process: {0}")
    @ValueSource(booleans = {false, true})
    void aConnectionClosedWithoutAnswerIsUnreachable(boolean shortLived) throws Exception {
        try (ServerSocket rude = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                // the JDK client retries an idempotent GET once on a dropped connection: drop every one
                while (!rude.isClosed()) {
                    try (Socket s = rude.accept()) {
                        s.getInputStream().read();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.start();
            ReplicationStateClient c = builder(URI.create("http://127.0.0.1:" + rude.getLocalPort()), shortLived)
                    .build();
            assertThatThrownBy(c::getSnapshot)
                    .isInstanceOfSatisfying(
                            ServiceUnreachableException.class,
                            e -> assertThat(e.timedOut()).isFalse());
            rude.close();
            t.join();
        }
    }

    @ParameterizedTest(name = "short-lived process: {0}")
    @ValueSource(booleans = {false, true})
    void anInterruptedCallerGetsACancellationAndKeepsItsFlag(boolean shortLived) throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ReplicationStateClient c = builder(URI.create("http://127.0.0.1:" + silent.getLocalPort()), shortLived)
                    .build();
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(c::getSnapshot).isInstanceOf(CancellationException.class);
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
        }
    }

    /** Version n has node1's lag 10 - n seconds, floored at 0; a 503 first, as from a service just started. */
    private ReplicationStateClient catchingUp(boolean shortLived) throws IOException {
        AtomicInteger requests = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/snapshot", exchange -> {
            int n = requests.getAndIncrement();
            byte[] body;
            int status = 200;
            if (n == 0) {
                status = 503;
                body = "{\"status\":503,\"detail\":\"no snapshot yet\"}".getBytes(StandardCharsets.UTF_8);
            } else {
                NodeMetrics m = new NodeMetrics(
                        null,
                        Math.max(0.0, 10.0 - n),
                        0L,
                        null,
                        null,
                        null,
                        null,
                        null,
                        0,
                        0L,
                        Map.of(),
                        false,
                        null,
                        null,
                        null);
                NodeState node = new NodeState(
                        "node1",
                        NodeStatus.HEALTHY,
                        List.of(),
                        List.of(),
                        null,
                        0,
                        null,
                        null,
                        null,
                        null,
                        null,
                        m,
                        List.of(),
                        null,
                        null);
                body = SnapshotJson.encode(new Snapshot(
                        n, Instant.now(), new ClusterSummary(NodeStatus.HEALTHY, 1, 1, null), Map.of("node1", node)));
            }
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return builder(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), shortLived)
                .build();
    }

    private static boolean caughtUp(Snapshot s) {
        return s.nodes().values().stream().allMatch(n -> n.metrics().lagSeconds() < 1);
    }

    @ParameterizedTest(name = "short-lived process: {0}")
    @ValueSource(booleans = {false, true})
    void awaitConditionReturnsOnceTheConditionHeldLongEnoughAndHeartbeatsEveryVersion(boolean shortLived)
            throws Exception {
        ReplicationStateClient c = catchingUp(shortLived);
        List<Long> beats = new CopyOnWriteArrayList<>();
        Snapshot s = c.awaitCondition(
                ReplicationStateClientTest::caughtUp,
                Duration.ofMillis(100),
                Duration.ofSeconds(20),
                Duration.ofMillis(5),
                v -> beats.add(v.version()));
        assertThat(caughtUp(s)).isTrue();
        assertThat(s.version()).isGreaterThanOrEqualTo(10);
        assertThat(beats)
                .startsWith(1L, 2L, 3L)
                .isSorted()
                .doesNotHaveDuplicates()
                .contains(s.version());
    }

    @ParameterizedTest(name = "short-lived process: {0}")
    @ValueSource(booleans = {false, true})
    void awaitConditionTimesOutAndAHeartbeatFailureEndsIt(boolean shortLived) throws Exception {
        ReplicationStateClient c = catchingUp(shortLived);
        assertThatThrownBy(() -> c.awaitCondition(
                        s -> false, Duration.ZERO, Duration.ofMillis(200), Duration.ofMillis(5), s -> {}))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("last version");
        assertThatThrownBy(() ->
                        c.awaitCondition(s -> false, Duration.ZERO, Duration.ofSeconds(20), Duration.ofMillis(5), s -> {
                            throw new IllegalStateException("activity cancelled");
                        }))
                .hasMessage("activity cancelled");
    }
}
