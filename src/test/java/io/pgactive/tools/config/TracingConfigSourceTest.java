package io.pgactive.tools.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TracingConfigSourceTest {

    @Test
    void offWithoutAnEndpoint() {
        assertThat(new TracingConfigSource(Map.of()).getProperties())
                .containsExactly(Map.entry("quarkus.otel.sdk.disabled", "true"));
    }

    @Test
    void onWithTheStandardEndpointVariables() {
        var p = new TracingConfigSource(Map.of(
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                        "http://collector:4317",
                        "OTEL_SERVICE_NAME",
                        "pgactive-tools-eu"))
                .getProperties();
        assertThat(p)
                .containsEntry("quarkus.otel.sdk.disabled", "false")
                .containsEntry("quarkus.otel.exporter.otlp.traces.endpoint", "http://collector:4317")
                .containsEntry("quarkus.otel.service.name", "pgactive-tools-eu");
        assertThat(new TracingConfigSource(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:4317"))
                        .getValue("quarkus.otel.exporter.otlp.traces.endpoint"))
                .isEqualTo("http://t:4317");
    }

    @Test
    void explicitlyDisabledWins() {
        assertThat(new TracingConfigSource(
                                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317", "OTEL_SDK_DISABLED", "true"))
                        .getValue("quarkus.otel.sdk.disabled"))
                .isEqualTo("true");
    }
}
