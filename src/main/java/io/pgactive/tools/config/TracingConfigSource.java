package io.pgactive.tools.config;

import java.util.HashMap;
import java.util.Map;

/**
 * Tracing follows the standard OpenTelemetry variables: the SDK stays off (no exporter, no cost) unless
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} (or {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}) names a collector, and
 * {@code OTEL_SDK_DISABLED=true} still turns it off. Quarkus's own {@code QUARKUS_OTEL_*} settings keep precedence.
 */
public class TracingConfigSource extends DerivedConfigSource {

    public TracingConfigSource() {
        this(System.getenv());
    }

    TracingConfigSource(Map<String, String> env) {
        super("OTEL_* environment", derive(env));
    }

    private static Map<String, String> derive(Map<String, String> env) {
        Map<String, String> map = new HashMap<>();
        String endpoint =
                env.getOrDefault("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", env.get("OTEL_EXPORTER_OTLP_ENDPOINT"));
        boolean disabled =
                endpoint == null || endpoint.isBlank() || "true".equalsIgnoreCase(env.get("OTEL_SDK_DISABLED"));
        map.put("quarkus.otel.sdk.disabled", Boolean.toString(disabled));
        if (!disabled) {
            map.put("quarkus.otel.exporter.otlp.traces.endpoint", endpoint);
            String service = env.get("OTEL_SERVICE_NAME");
            if (service != null && !service.isBlank()) {
                map.put("quarkus.otel.service.name", service);
            }
        }
        return map;
    }
}
