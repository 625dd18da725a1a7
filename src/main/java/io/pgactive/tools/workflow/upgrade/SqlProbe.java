package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.pg.LibpqTls;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The health check's optional SQL probe ({@code upgrade.health_probe}): runs the configured query on each node over a
 * fresh read-only connection and reports the nodes where it failed. Blocks; runs on activity threads only.
 */
@ApplicationScoped
public class SqlProbe {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Vertx vertx;

    @Inject
    public SqlProbe(Vertx vertx) {
        this.vertx = vertx;
    }

    /** One line per node where {@code sql} failed (the password never appears: errors name the node, not the DSN). */
    public List<String> run(String sql, Map<String, Dsn> nodes) {
        List<String> errors = new ArrayList<>();
        nodes.forEach((node, dsn) -> {
            PgConnection conn = null;
            try {
                conn = PgConnection.connect(vertx, options(dsn)).await().atMost(TIMEOUT);
                conn.query(sql).execute().await().atMost(TIMEOUT);
            } catch (RuntimeException e) {
                errors.add("health probe failed on " + node + ": "
                        + Dsn.redact(String.valueOf(e.getMessage()), dsn.password()));
            } finally {
                if (conn != null) {
                    conn.closeAndAwait();
                }
            }
        });
        return errors;
    }

    private static PgConnectOptions options(Dsn dsn) {
        PgConnectOptions o = new PgConnectOptions()
                .setHost(dsn.host())
                .setPort(dsn.port())
                .setDatabase(dsn.database())
                .setUser(dsn.user() == null ? "postgres" : dsn.user())
                .setConnectTimeout((int) TIMEOUT.toMillis())
                .setReconnectAttempts(0)
                .setProperties(Map.of(
                        "application_name",
                        "pgactive-tools upgrade probe",
                        "statement_timeout",
                        Long.toString(TIMEOUT.toMillis()),
                        "default_transaction_read_only",
                        "on"));
        if (dsn.password() != null) {
            o.setPassword(dsn.password());
        }
        return LibpqTls.apply(dsn, o);
    }
}
