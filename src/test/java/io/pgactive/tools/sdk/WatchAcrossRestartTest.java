package io.pgactive.tools.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.json.MergePatch;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.ServiceConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK's watch against the real service over real PostgreSQL nodes, across a restart of the service: the same port
 * and the same history database, so versions continue after it. The service runs as its own process (the packaged
 * application), because only a new JVM restarts everything the stream depends on: the version sequence read back from
 * the database, an empty replay window, new connections.
 */
class WatchAcrossRestartTest {

    private static final Duration INTERVAL = Duration.ofMillis(300);

    @TempDir
    Path work;

    /** Every version's {@code GET /snapshot} body, as the service served it, by version. */
    private final Map<Long, byte[]> served = new ConcurrentHashMap<>();

    @Test
    void watchReproducesTheSnapshotAtEveryVersionAcrossAServiceRestart() throws Exception {
        Optional<String> unusable = PackagedService.unusable();
        assumeTrue(unusable.isEmpty(), () -> "the packaged service is not this build: " + unusable.orElse(""));

        ScheduledExecutorService recorder = Executors.newSingleThreadScheduledExecutor();
        HttpClient http = HttpClient.newHttpClient();
        try (PgCluster cluster = PgCluster.standalone(2, work.resolve("cluster"));
                PackagedService service = new PackagedService(
                        ServiceConfig.write(
                                work, cluster.nodes(), "interval: " + INTERVAL.toMillis() + "ms\nbackoff_max: 1s\n"),
                        work)) {
            service.start();
            ReplicationStateClient sdk = ReplicationStateClient.builder(URI.create(service.baseUrl()))
                    .build();
            awaitServing(service, sdk);
            // several reads per version, so most versions are seen by both readers
            recorder.scheduleAtFixedRate(
                    () -> record(http, service.baseUrl()), 0, INTERVAL.toMillis() / 6, TimeUnit.MILLISECONDS);

            List<WatchClient.Update> updates = new CopyOnWriteArrayList<>();
            try (WatchClient watch = sdk.watch().build()) {
                Thread consumer = new Thread(
                        () -> {
                            try {
                                watch.run(updates::add);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "watch-consumer");
                consumer.setDaemon(true);
                consumer.start();

                await().atMost(Duration.ofSeconds(60)).until(() -> comparable(updates, 0) >= 5);
                service.stop();
                // the old process is gone: whatever arrives from here on was published by the new one
                int before = updates.size();
                long lastBefore = updates.get(before - 1).version();
                service.start();
                awaitServing(service, sdk);
                await().atMost(Duration.ofSeconds(90))
                        .failFast("the service exited", () -> !service.isAlive())
                        .until(() -> comparable(updates, before) >= 5);
                watch.close();
                consumer.join(Duration.ofSeconds(10).toMillis());

                List<WatchClient.Update> all = List.copyOf(updates);
                assertThat(watch.connections()).as("reconnected by itself").isGreaterThanOrEqualTo(2);
                assertThat(all.get(0).reset()).isFalse();
                assertThat(all)
                        .extracting(WatchClient.Update::version)
                        .isSorted()
                        .doesNotHaveDuplicates();
                // within one run of the service, every version, none skipped
                for (int i = 1; i < all.size(); i++) {
                    if (i != before) {
                        assertThat(all.get(i).version())
                                .as("after %d", all.get(i - 1).version())
                                .isEqualTo(all.get(i - 1).version() + 1);
                    }
                }
                // resumed from the last version it had (Last-Event-ID): the deltas that follow it, or a reset and the
                // full state; a client that had forgotten its place would get a plain snapshot without a reset
                WatchClient.Update first = all.get(before);
                assertThat(first.version()).isGreaterThan(lastBefore);
                assertThat(first.reset() || first.version() == lastBefore + 1)
                        .as("first version %d after %d, reset %s", first.version(), lastBefore, first.reset())
                        .isTrue();

                for (WatchClient.Update u : all) {
                    assertThat(u.state().path("version").asLong()).isEqualTo(u.version());
                    byte[] json = served.get(u.version());
                    if (json != null) {
                        ObjectNode snapshot = (ObjectNode) SnapshotJson.MAPPER.readTree(json);
                        assertThat(u.state()).as("version %d", u.version()).isEqualTo(MergePatch.canonical(snapshot));
                        assertThat(SnapshotJson.MAPPER.treeToValue(u.state(), Snapshot.class))
                                .isEqualTo(SnapshotJson.MAPPER.readValue(json, Snapshot.class));
                    }
                }
            }
        } finally {
            recorder.shutdownNow();
        }
    }

    /** How many updates from index {@code from} on have a recorded {@code GET /snapshot} of their version. */
    private long comparable(List<WatchClient.Update> updates, int from) {
        return updates.subList(Math.min(from, updates.size()), updates.size()).stream()
                .filter(u -> served.containsKey(u.version()))
                .count();
    }

    private void record(HttpClient http, String base) {
        try {
            HttpResponse<byte[]> r = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/snapshot"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 200) {
                served.putIfAbsent(
                        SnapshotJson.MAPPER.readTree(r.body()).get("version").asLong(), r.body());
            }
        } catch (IOException e) {
            // down while restarting
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitServing(PackagedService service, ReplicationStateClient sdk) {
        try {
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .failFast("the service exited", () -> !service.isAlive())
                    .ignoreExceptionsInstanceOf(SdkException.class)
                    .until(() -> sdk.getSnapshot().nodes().size() == 2);
        } catch (RuntimeException e) {
            throw new AssertionError(e.getMessage() + "; the service's log ends with:\n" + service.logTail(), e);
        }
    }
}
