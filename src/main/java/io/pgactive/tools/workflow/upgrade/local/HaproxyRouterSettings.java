package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.config.DatabaseName;
import io.pgactive.tools.config.Dsn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where {@link HaproxyTrafficRouter} acts.
 *
 * @param name              the route's short name (logs, events, history)
 * @param adminSocket       HAProxy's runtime API socket ({@code stats socket … level admin})
 * @param backend           the HAProxy backend the application's connections go through
 * @param sourceServer      the server of that backend that points at the source
 * @param targetServer      a spare server of that backend (e.g. {@code disabled}, weight 0) the target is put in
 * @param pgbouncerAdmin    PgBouncer's admin console in front of HAProxy, for holding clients and reconnecting pools;
 *                          empty when clients reach HAProxy directly (then {@code hold} is refused)
 * @param pgbouncerDatabase the PgBouncer database the application uses
 * @param commandTimeout    bound on one runtime API or console command
 * @param drainTimeout      how long {@code closeStaleSessions} lets pooled sessions end by themselves before it
 *                          shuts down the rest
 */
public record HaproxyRouterSettings(
        String name,
        Path adminSocket,
        String backend,
        String sourceServer,
        String targetServer,
        Optional<Dsn> pgbouncerAdmin,
        String pgbouncerDatabase,
        Duration commandTimeout,
        Duration drainTimeout) {

    public HaproxyRouterSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(adminSocket, "adminSocket");
        HaproxyRuntimeApi.requireName("backend", backend);
        HaproxyRuntimeApi.requireName("server", sourceServer);
        HaproxyRuntimeApi.requireName("server", targetServer);
        pgbouncerAdmin = pgbouncerAdmin == null ? Optional.empty() : pgbouncerAdmin;
        if (pgbouncerAdmin.isPresent() && !DatabaseName.isValid(pgbouncerDatabase)) {
            throw new IllegalArgumentException("route " + name + ": PgBouncer database must be " + DatabaseName.RULE);
        }
        commandTimeout = commandTimeout == null ? Duration.ofSeconds(5) : commandTimeout;
        drainTimeout = drainTimeout == null ? Duration.ofSeconds(10) : drainTimeout;
    }

    /** A route through HAProxy only. */
    public static HaproxyRouterSettings haproxyOnly(
            String name, Path adminSocket, String backend, String sourceServer, String targetServer) {
        return new HaproxyRouterSettings(
                name, adminSocket, backend, sourceServer, targetServer, Optional.empty(), null, null, null);
    }

    /** The same route with PgBouncer in front of HAProxy. */
    public HaproxyRouterSettings withPgBouncer(Dsn admin, String database) {
        return new HaproxyRouterSettings(
                name,
                adminSocket,
                backend,
                sourceServer,
                targetServer,
                Optional.of(admin),
                database,
                commandTimeout,
                drainTimeout);
    }
}
