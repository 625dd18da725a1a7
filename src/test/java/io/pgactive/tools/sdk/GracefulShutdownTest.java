package io.pgactive.tools.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.ServiceConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the packaged service, as systemd or Kubernetes send it, with {@code /watch} streams open: every stream
 * gets a {@code shutdown} event and then a clean end of its response (not a connection cut mid-transfer), and the
 * history database holds every version a stream was sent.
 */
class GracefulShutdownTest {

    private static final int STREAMS = 3;
    private static final Pattern NEVER_PUBLISHED = Pattern.compile("versions (\\d+) to (\\d+) were never published");
    private static final Pattern SHUTDOWN_VERSION = Pattern.compile("\"version\":(\\d+)");

    @TempDir
    Path work;

    /** One stream as read by the JDK client, which fails the body when a chunked response is cut short. */
    private static final class Watcher {
        final List<String> lines = new CopyOnWriteArrayList<>();
        volatile boolean completed;
        volatile Throwable failure;

        boolean ended() {
            return completed || failure != null;
        }

        List<String> events() {
            return lines.stream()
                    .filter(l -> l.startsWith("event: "))
                    .map(l -> l.substring(7))
                    .toList();
        }

        long lastId() {
            return lines.stream()
                    .filter(l -> l.startsWith("id: "))
                    .mapToLong(l -> Long.parseLong(l.substring(4)))
                    .max()
                    .orElse(-1);
        }
    }

    @Test
    void sigtermEndsEveryStreamWithAShutdownEventAndFlushesTheHistory() throws Exception {
        Optional<String> unusable = PackagedService.unusable();
        assumeTrue(unusable.isEmpty(), () -> "the packaged service is not this build: " + unusable.orElse(""));

        HttpClient http = HttpClient.newHttpClient();
        try (PgCluster cluster = PgCluster.standalone(1, work.resolve("cluster"));
                PackagedService service = new PackagedService(
                        ServiceConfig.write(work, cluster.nodes(), "interval: 500ms\nbackoff_max: 1s\n"), work)) {
            service.start();
            ReplicationStateClient sdk = ReplicationStateClient.builder(URI.create(service.baseUrl()))
                    .build();
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .failFast("the service exited", () -> !service.isAlive())
                    .ignoreExceptionsInstanceOf(SdkException.class)
                    .until(() -> sdk.getSnapshot().nodes().size() == 1);

            List<Watcher> streams = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                Watcher s = new Watcher();
                streams.add(s);
                http.sendAsync(
                                HttpRequest.newBuilder(URI.create(service.baseUrl() + "/watch"))
                                        .header("Accept", "text/event-stream")
                                        .build(),
                                HttpResponse.BodyHandlers.ofLines())
                        .thenAccept(r -> {
                            try (Stream<String> body = r.body()) {
                                body.forEach(s.lines::add);
                                s.completed = true;
                            } catch (RuntimeException e) {
                                s.failure = e;
                            }
                        })
                        .exceptionally(e -> {
                            s.failure = e;
                            return null;
                        });
            }
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> streams.stream()
                            .allMatch(s ->
                                    s.events().stream().filter("delta"::equals).count() >= 2));

            service.stop();

            await().atMost(Duration.ofSeconds(30)).until(() -> streams.stream().allMatch(Watcher::ended));
            long lastSent = 0;
            for (Watcher s : streams) {
                assertThat(s.failure).as("the stream ended cleanly").isNull();
                List<String> events = s.events();
                assertThat(events).as("the last event").last().isEqualTo("shutdown");
                String data = s.lines.stream()
                        .filter(l -> l.startsWith("data: "))
                        .reduce((a, b) -> b)
                        .orElseThrow();
                Matcher m = SHUTDOWN_VERSION.matcher(data);
                assertThat(m.find()).as("shutdown names the last version sent").isTrue();
                assertThat(Long.parseLong(m.group(1))).isEqualTo(s.lastId());
                lastSent = Math.max(lastSent, s.lastId());
            }
            assertThat(storedVersions(work.resolve("data/replication_state.db")))
                    .as("versions in the history")
                    .isGreaterThanOrEqualTo(lastSent);

            // the next run continues after the versions the last one had reserved: a client resuming from the last
            // version it was sent is told those were never published, not that they left the history
            service.start();
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .failFast("the service exited", () -> !service.isAlive())
                    .ignoreExceptionsInstanceOf(SdkException.class)
                    .until(() -> sdk.getSnapshot().version() > 0
                            && sdk.getSnapshot().nodes().size() == 1);
            Watcher resumed = new Watcher();
            http.sendAsync(
                            HttpRequest.newBuilder(URI.create(service.baseUrl() + "/watch"))
                                    .header("Accept", "text/event-stream")
                                    .header("Last-Event-ID", Long.toString(lastSent))
                                    .build(),
                            HttpResponse.BodyHandlers.ofLines())
                    .thenAccept(r -> r.body().forEach(resumed.lines::add));
            await().atMost(Duration.ofSeconds(60)).until(() -> resumed.events().contains("snapshot"));
            assertThat(resumed.events()).startsWith("reset");
            String detail = resumed.lines.stream()
                    .filter(l -> l.startsWith("data: "))
                    .findFirst()
                    .orElseThrow();
            Matcher gap = NEVER_PUBLISHED.matcher(detail);
            assertThat(gap.find()).as("the reset says why: %s", detail).isTrue();
            assertThat(Long.parseLong(gap.group(1))).isGreaterThan(lastSent);
            assertThat(Long.parseLong(gap.group(2))).isGreaterThanOrEqualTo(Long.parseLong(gap.group(1)));
        }
    }

    /** The newest version whose snapshot the history database holds. */
    private static long storedVersions(Path database) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT max(version) FROM snapshot_json")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
