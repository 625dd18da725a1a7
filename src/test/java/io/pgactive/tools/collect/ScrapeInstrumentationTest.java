package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.TracerProvider;
import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.StandaloneCluster;
import io.vertx.core.Context;
import io.vertx.core.VertxOptions;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scrape's connections report to no Vert.x metrics and no tracer, even when the service's Vert.x has both (as it
 * has in the service: Micrometer and OpenTelemetry): per statement, that bookkeeping cost more event-loop time than
 * decoding the answer. The collector's own meters and spans are per cycle and per node, and stay.
 */
class ScrapeInstrumentationTest {

    @RegisterExtension
    static final StandaloneCluster pg = new StandaloneCluster();

    /** What the SQL client asked the metrics SPI for ("sql" per connection, "net" per TCP client). */
    private final List<String> metered = new CopyOnWriteArrayList<>();
    /** The operations the SQL client handed to the tracer. */
    private final List<String> traced = new CopyOnWriteArrayList<>();

    @Test
    void scrapeStatementsAreNeitherMeteredNorTraced() throws Exception {
        VertxOptions instrumented = new VertxOptions()
                .setMetricsOptions(new MetricsOptions().setEnabled(true).setFactory(options -> new Recording()))
                .setTracingOptions(new TracingOptions().setFactory(options -> new RecordingTracer()));
        try (CollectorHarness h = new CollectorHarness(
                pg.dir().resolve("svc"),
                "interval: 1s\n",
                List.of(pg.node()),
                Map.of(),
                TracerProvider.noop().get("test"),
                instrumented)) {
            h.awaitAllHealthy();
            assertThat(h.cycle().nodes().get("node1").status()).isEqualTo(NodeStatus.HEALTHY);

            assertThat(metered).as("metrics the scrape's connections asked for").isEmpty();
            assertThat(traced).as("statements the scrape handed to the tracer").isEmpty();

            // the same Vert.x does meter and trace a pool of its own: the hooks above would have seen the scrape's
            PgNode node = pg.node();
            Pool control = PgBuilder.pool()
                    .connectingTo(NodeClient.connectOptions(Dsn.parse(node.dsn()), Duration.ofSeconds(5))
                            .setTracingPolicy(TracingPolicy.ALWAYS))
                    .using(h.vertx.getDelegate())
                    .build();
            try {
                control.query("SELECT 1")
                        .execute()
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
            } finally {
                control.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            assertThat(metered).contains("sql");
            assertThat(traced).isNotEmpty();
        }
    }

    private final class Recording implements VertxMetrics {
        @Override
        public ClientMetrics<?, ?, ?, ?> createClientMetrics(SocketAddress remote, String type, String namespace) {
            metered.add(type);
            return VertxMetrics.super.createClientMetrics(remote, type, namespace);
        }

        @Override
        public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
            metered.add("net");
            return VertxMetrics.super.createNetClientMetrics(options);
        }
    }

    private final class RecordingTracer implements VertxTracer<Object, Object> {
        @Override
        public <R> Object sendRequest(
                Context context,
                SpanKind kind,
                TracingPolicy policy,
                R request,
                String operation,
                BiConsumer<String, String> headers,
                TagExtractor<R> tagExtractor) {
            traced.add(operation);
            return null;
        }
    }
}
