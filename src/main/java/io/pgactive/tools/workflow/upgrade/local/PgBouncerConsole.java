package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.pg.LibpqTls;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.vertx.core.Context;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One command on PgBouncer's admin console ({@code RECONNECT db}), which the write gate does not offer. The console
 * speaks the simple query protocol only, and refuses startup parameters it does not know, so the connection sends
 * just the two it always accepts.
 */
final class PgBouncerConsole {

    private final Dsn admin;
    private final Vertx vertx;
    private final Duration timeout;

    PgBouncerConsole(Dsn admin, Vertx vertx, Duration timeout) {
        this.admin = admin;
        this.vertx = vertx;
        this.timeout = timeout;
    }

    /** Runs {@code command} (a constant keyword followed by a validated database name). */
    void run(String command) {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("the PgBouncer console blocks; call it from a worker thread");
        }
        PgConnection conn = await(PgConnection.connect(vertx, options()).subscribeAsCompletionStage(), "connect");
        try {
            await(conn.query(command).execute().subscribeAsCompletionStage(), command);
        } finally {
            try {
                conn.close().subscribeAsCompletionStage().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException ignored) {
                // the console session ends with the socket either way
            }
        }
    }

    private <T> T await(CompletableFuture<T> future, String action) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new UpgradeException(
                    action + ": no answer from PgBouncer at " + admin.address() + " within " + timeout.toMillis()
                            + "ms",
                    true);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String message = cause instanceof PgException pg && pg.getErrorMessage() != null
                    ? pg.getErrorMessage()
                    : String.valueOf(cause.getMessage());
            throw new UpgradeException(
                    Dsn.redact(
                            action + " on PgBouncer at " + admin.address() + " failed: " + message, admin.password()),
                    !(cause instanceof PgException));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpgradeException("interrupted while talking to PgBouncer at " + admin.address(), true, e);
        }
    }

    private PgConnectOptions options() {
        PgConnectOptions o = new PgConnectOptions()
                .setHost(admin.host())
                .setPort(admin.port())
                .setDatabase("pgbouncer")
                .setUser(admin.user())
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .setReconnectAttempts(0)
                .setCachePreparedStatements(false)
                .setProperties(Map.of("application_name", "pgactive-tools-router", "client_encoding", "utf8"));
        if (admin.password() != null) {
            o.setPassword(admin.password());
        }
        return LibpqTls.apply(admin, o);
    }
}
