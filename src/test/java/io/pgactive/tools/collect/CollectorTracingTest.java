package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.StandaloneCluster;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One span per cycle with a child per node, carrying the node, its dialects and the outcome. */
class CollectorTracingTest {

    @RegisterExtension
    static final StandaloneCluster pg = new StandaloneCluster();

    @Test
    void cycleSpanWithAChildPerNode() throws Exception {
        Path dir = pg.dir();
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        PgNode node1 = pg.node();
        // a second configured node whose port nobody listens on
        String deadDsn = "postgres://monitor:" + node1.password() + "@127.0.0.1:" + closedPort + "/postgres";
        try (CollectorHarness h = new CollectorHarness(
                        dir.resolve("svc"), "interval: 1s\n", List.of(node1), Map.of(), provider.get("test"));
                CollectorHarness dead = new CollectorHarness(
                        dir.resolve("svc-dead"),
                        "interval: 1s\n",
                        List.of(node1),
                        Map.of("node1", deadDsn),
                        provider.get("test"))) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> h.cycle().nodes().get("node1").error() == null);
            exporter.reset();
            long version = h.cycle().version();
            List<SpanData> spans = exporter.getFinishedSpanItems();
            SpanData cycle = spans.stream()
                    .filter(s -> s.getName().equals("scrape cycle"))
                    .findFirst()
                    .orElseThrow();
            SpanData node = spans.stream()
                    .filter(s -> s.getName().equals("scrape node"))
                    .findFirst()
                    .orElseThrow();
            assertThat(cycle.getAttributes().get(AttributeKey.longKey("pgactive.version")))
                    .isEqualTo(version);
            assertThat(node.getParentSpanId()).isEqualTo(cycle.getSpanId());
            assertThat(node.getTraceId()).isEqualTo(cycle.getTraceId());
            assertThat(node.getAttributes().get(AttributeKey.stringKey("pgactive.node")))
                    .isEqualTo("node1");
            assertThat(node.getAttributes().get(AttributeKey.stringKey("pgactive.outcome")))
                    .isEqualTo("ok");
            assertThat(node.getAttributes().get(AttributeKey.longKey("pgactive.links")))
                    .isNotNull();

            exporter.reset();
            dead.cycle();
            SpanData failed = exporter.getFinishedSpanItems().stream()
                    .filter(s -> s.getName().equals("scrape node"))
                    .findFirst()
                    .orElseThrow();
            assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(failed.getAttributes().get(AttributeKey.stringKey("pgactive.error_class")))
                    .isEqualTo("connect");
            assertThat(failed.getStatus().getDescription()).doesNotContain(node1.password());
        } finally {
            provider.close();
        }
    }
}
