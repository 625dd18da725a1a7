package io.pgactive.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import io.pgactive.tools.contract.snapshot.ClusterSummary;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Output details and failure paths, against a stand-in for the service. */
class CliTest {

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private String serving(int status, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders()
                    .add("Content-Type", status == 200 ? "application/json" : "application/problem+json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static NodeState node(String name, NodeStatus status, Double lag, List<String> reasons, String error) {
        NodeMetrics m = new NodeMetrics(
                null,
                lag,
                lag == null ? null : 100L,
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
        return new NodeState(
                name,
                status,
                List.of("primary"),
                reasons,
                Instant.parse("2026-11-23T10:00:00Z"),
                error == null ? 0 : 12,
                error,
                error == null ? null : "connection",
                null,
                null,
                null,
                m,
                List.of(),
                null,
                null);
    }

    private String snapshot(NodeState... nodes) throws IOException {
        Map<String, NodeState> map = new TreeMap<>();
        NodeStatus worst = NodeStatus.HEALTHY;
        for (NodeState n : nodes) {
            map.put(n.name(), n);
            worst = worst.worst(n.status());
        }
        Snapshot s = new Snapshot(
                7, Instant.parse("2026-11-23T10:00:01Z"), new ClusterSummary(worst, nodes.length, 1, 2.0), map);
        return serving(200, new String(SnapshotJson.encode(s), StandardCharsets.UTF_8));
    }

    @Test
    void criticalOutranksAnUnreachableNodeAndColourIsOnlyOnATerminal() throws IOException {
        String url = snapshot(
                node(
                        "a-node-with-a-rather-long-name-that-does-not-fit",
                        NodeStatus.CRITICAL,
                        20.0,
                        List.of("lag 20.0s >= critical 15.0s"),
                        null),
                node("b", NodeStatus.DOWN, null, List.of(), "connection refused"));
        CliRun plain = CliRun.inProcess("status", "--server", url);
        assertThat(plain.exit()).isEqualTo(2);
        assertThat(plain.firstLine()).startsWith("STATUS CRITICAL: a-node-with");
        assertThat(plain.out()).contains("; b DOWN (node unreachable: connection refused)\nNODE ");
        assertThat(plain.out().lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));
        assertThat(plain.out()).contains("  b: connection: connection refused").doesNotContain("\u001b[");

        CliRun tty = CliRun.inProcess(Map.of(), true, "status", "--server", url);
        assertThat(tty.firstLine()).startsWith("\u001b[31mSTATUS CRITICAL\u001b[0m: ");
        assertThat(tty.out()).contains("\u001b[35mDOWN\u001b[0m");
        assertThat(CliRun.inProcess(Map.of(), true, "status", "--server", url, "--no-color")
                        .out())
                .doesNotContain("\u001b[");
        assertThat(CliRun.inProcess(Map.of("NO_COLOR", "1"), true, "status", "--server", url)
                        .out())
                .doesNotContain("\u001b[");
    }

    @Test
    void nagiosStatusHasPerfdataAndTheWordOfItsExitCode() throws IOException {
        String url = snapshot(
                node("a", NodeStatus.DEGRADED, 6.0, List.of("lag 6.0s >= warning 5.0s"), null),
                node("b", NodeStatus.HEALTHY, 0.0, List.of(), null));
        CliRun quiet = CliRun.inProcess("status", "--server", url, "--format", "nagios");
        assertThat(quiet.exit()).isZero();
        assertThat(quiet.out().strip())
                .isEqualTo("PGACTIVE STATUS OK: a DEGRADED (lag 6.0s >= warning 5.0s) (warning only; "
                        + "--fail-on-warn exits 1) | 'nodes'=2;;;0; 'nodes_healthy'=1;;;0;2");
        CliRun loud = CliRun.inProcess("status", "--server", url, "--format", "NAGIOS", "--fail-on-warn");
        assertThat(loud.exit()).isEqualTo(1);
        assertThat(loud.out()).startsWith("PGACTIVE STATUS WARNING: a DEGRADED");
        CliRun lag = CliRun.inProcess("lag", "--server", url, "--fail-on-warn", "--warn", "7");
        assertThat(lag.exit()).isZero();
        assertThat(lag.firstLine()).isEqualTo("LAG OK: 2 nodes, max lag 6.0s");
    }

    @Test
    void noSnapshotYetAndGarbageAreUnknown() throws IOException {
        String url = serving(503, "{\"title\":\"Service Unavailable\",\"status\":503,\"detail\":\"no snapshot yet\"}");
        CliRun notReady = CliRun.inProcess("lag", "--server", url);
        assertThat(notReady.exit()).isEqualTo(3);
        assertThat(notReady.firstLine()).isEqualTo("LAG UNKNOWN: service not ready: no snapshot yet");
        server.stop(0);
        url = serving(200, "<html>not this service</html>");
        CliRun garbage = CliRun.inProcess("status", "--server", url, "-f", "json");
        assertThat(garbage.exit()).isEqualTo(3);
        assertThat(garbage.out()).contains("\"result\" : \"UNKNOWN\"").contains("bad reply from service");
    }

    @Test
    void usageErrorsExit3WithAMessage() {
        CliRun none = CliRun.inProcess();
        assertThat(none.exit()).isEqualTo(3);
        assertThat(none.err()).contains("a command is required");
        CliRun badFormat = CliRun.inProcess("lag", "--format", "xml");
        assertThat(badFormat.exit()).isEqualTo(3);
        assertThat(badFormat.err()).contains("--format").contains("xml");
        CliRun badSince = CliRun.inProcess("conflicts", "--since", "yesterday");
        assertThat(badSince.exit()).isEqualTo(3);
        assertThat(badSince.err()).contains("neither an age");
        CliRun badStep = CliRun.inProcess("history", "node1", "--step", "0s");
        assertThat(badStep.exit()).isEqualTo(3);
        CliRun inverted = CliRun.inProcess("lag", "--server", "http://127.0.0.1:1", "--warn", "10", "--crit", "5");
        assertThat(inverted.exit()).isEqualTo(3);
        assertThat(inverted.err()).contains("--warn 10.0 is above --crit 5.0");
        CliRun invertedCount =
                CliRun.inProcess("conflicts", "--server", "http://127.0.0.1:1", "--warn", "10", "--crit", "5");
        assertThat(invertedCount.exit()).isEqualTo(3);
        CliRun badServer = CliRun.inProcess("lag", "--server", "localhost:8080");
        assertThat(badServer.exit()).isEqualTo(3);
        assertThat(badServer.err()).contains("--server localhost:8080: not an http URL");
        CliRun notHttp = CliRun.inProcess("status", "--server", "ftp://example.org");
        assertThat(notHttp.exit()).isEqualTo(3);
        assertThat(notHttp.err()).contains("not an http URL");
        CliRun noTimeout = CliRun.inProcess("status", "--server", "http://127.0.0.1:1", "--timeout", "0");
        assertThat(noTimeout.exit()).isEqualTo(3);
        assertThat(noTimeout.err()).contains("--timeout must be above 0");
        CliRun noCount = CliRun.inProcess("watch", "--server", "http://127.0.0.1:1", "--count", "0");
        assertThat(noCount.exit()).isEqualTo(3);
        assertThat(noCount.err()).contains("--count must be at least 1");
        CliRun help = CliRun.inProcess("lag", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out())
                .contains("--fail-on-warn")
                .contains("Exit codes:")
                .contains("3   UNKNOWN");
    }

    @Test
    void sinceTakesAgesAndTimes() {
        Instant now = Instant.parse("2026-11-23T12:00:00Z");
        assertThat(Since.parse("90s", now)).isEqualTo(Instant.parse("2026-11-23T11:58:30Z"));
        assertThat(Since.parse("15m", now)).isEqualTo(Instant.parse("2026-11-23T11:45:00Z"));
        assertThat(Since.parse("2h", now)).isEqualTo(Instant.parse("2026-11-23T10:00:00Z"));
        assertThat(Since.parse("7d", now)).isEqualTo(Instant.parse("2026-11-16T12:00:00Z"));
        assertThat(Since.parse("2026-11-23T13:00:00+02:00", now)).isEqualTo(Instant.parse("2026-11-23T11:00:00Z"));
    }

    @Test
    void theTimeoutBoundsTheWholeCallAgainstAServerThatTricklesItsBody() throws Exception {
        try (ServerSocket trickler = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread feeder = new Thread(() -> trickle(trickler), "trickler");
            feeder.setDaemon(true);
            feeder.start();
            String url = "http://127.0.0.1:" + trickler.getLocalPort();
            // a byte every 100 ms of a 100 kB body: hours, unless the timeout bounds the whole call
            CliRun run = assertTimeoutPreemptively(
                    Duration.ofSeconds(60), () -> CliRun.inProcess("status", "--server", url, "--timeout", "1"));
            assertThat(run.exit()).isEqualTo(3);
            // one message (wrapped at 80 columns like every other), no stack trace
            assertThat(run.firstLine()).startsWith("STATUS UNKNOWN: service unreachable: no answer");
            assertThat(run.out().replace("\n  ", " "))
                    .contains("within 1000 ms")
                    .hasLineCount(1);
            assertThat(run.err()).isEmpty();
        }
    }

    /** Answers every connection with headers at once and then one byte of body per 100 ms. */
    private static void trickle(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    // the request's head; its content does not matter
                }
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                for (int i = 0; i < 100_000 && !server.isClosed(); i++) {
                    out.write(' ');
                    out.flush();
                    LockSupport.parkNanos(
                            Duration.ofMillis(100).toNanos()); // the pace of the trickle, not a wait for the test
                }
            } catch (IOException closed) {
                // the client gave up, or the test is over
            }
        }
    }
}
