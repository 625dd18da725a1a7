package io.pgactive.tools.workflow.gate;

import io.pgactive.tools.config.ToolsConfig;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The configured write gates by name, each built once (a gate holds no connection between calls). */
@ApplicationScoped
public class WriteGates {

    /** How long a PAUSE may wait for transactions in flight before the gate returns what it reads back (PAUSING). */
    static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(60);

    @Inject
    ToolsConfig config;

    @Inject
    Vertx vertx;

    private final Map<String, WriteGate> gates = new TreeMap<>();

    public synchronized Optional<WriteGate> gate(String name) {
        WriteGate existing = gates.get(name);
        if (existing != null) {
            return Optional.of(existing);
        }
        return config.guard().gate(name).map(g -> {
            WriteGate gate = new PgBouncerWriteGate(g.name(), g.pgbouncer(), g.database(), vertx, OPERATION_TIMEOUT);
            gates.put(name, gate);
            return gate;
        });
    }
}
