package io.pgactive.tools.workflow.upgrade.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link LocalPostgresProvisioner} creates servers.
 *
 * @param stateDir        one directory per created server (data, port, password file) lives here; a new process finds
 *                        earlier servers through it
 * @param binaries        PostgreSQL installation directories by major version, each with {@code bin/initdb},
 *                        {@code bin/pg_ctl} and {@code bin/postgres} (e.g. {@code 18 → /usr/lib/postgresql/18})
 * @param host            the address servers listen on and clients reach them at
 * @param adminUser       the superuser role created in each server; its random password is kept in the state
 *                        directory, readable by the service's user only
 * @param runAs           the OS user PostgreSQL runs as when the service runs as root (PostgreSQL refuses root)
 * @param locale          initdb's locale for new servers
 * @param serverSettings  extra {@code postgresql.conf} settings for new servers (memory, connections)
 * @param startTimeout    how long a server may take to start or stop
 * @param sourceDsns      administrative credentials of configured sources, used by {@code decommission}
 */
public record LocalPostgresSettings(
        Path stateDir,
        Map<Integer, Path> binaries,
        String host,
        String adminUser,
        Optional<String> runAs,
        String locale,
        Map<String, String> serverSettings,
        Duration startTimeout,
        DsnResolver sourceDsns) {

    public static final String DEFAULT_ADMIN_USER = "pgactive_tools";

    public LocalPostgresSettings {
        Objects.requireNonNull(stateDir, "stateDir");
        binaries = Map.copyOf(binaries);
        host = host == null ? "127.0.0.1" : host;
        adminUser = adminUser == null ? DEFAULT_ADMIN_USER : adminUser;
        runAs = runAs == null ? Optional.empty() : runAs;
        locale = locale == null ? "C" : locale;
        serverSettings = serverSettings == null ? Map.of() : Map.copyOf(serverSettings);
        startTimeout = startTimeout == null ? Duration.ofSeconds(60) : startTimeout;
        sourceDsns = sourceDsns == null ? node -> Optional.empty() : sourceDsns;
    }

    /** Settings with defaults for everything but where state lives and which binaries exist. */
    public static LocalPostgresSettings of(Path stateDir, Map<Integer, Path> binaries) {
        return new LocalPostgresSettings(stateDir, binaries, null, null, null, null, null, null, null);
    }

    public LocalPostgresSettings withRunAs(String user) {
        return new LocalPostgresSettings(
                stateDir,
                binaries,
                host,
                adminUser,
                Optional.ofNullable(user),
                locale,
                serverSettings,
                startTimeout,
                sourceDsns);
    }

    public LocalPostgresSettings withServerSettings(Map<String, String> settings) {
        return new LocalPostgresSettings(
                stateDir, binaries, host, adminUser, runAs, locale, settings, startTimeout, sourceDsns);
    }

    public LocalPostgresSettings withSourceDsns(DsnResolver resolver) {
        return new LocalPostgresSettings(
                stateDir, binaries, host, adminUser, runAs, locale, serverSettings, startTimeout, resolver);
    }
}
