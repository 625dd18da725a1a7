package io.pgactive.tools.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One initdb per JVM: nodes are copies of this template, which makes starting dozens of nodes cheap
 * (a copy is a few milliseconds, initdb is seconds).
 */
final class PgTemplate {

    /** Server settings every node shares. Small memory, logical WAL, room for a few slots and walsenders. */
    static final String SETTINGS = String.join(
            "\n",
            "",
            "# harness settings",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "max_connections = 30",
            "superuser_reserved_connections = 3",
            "shared_buffers = 16MB",
            "wal_level = logical",
            "max_wal_senders = 10",
            "max_replication_slots = 10",
            "max_worker_processes = 10",
            "max_logical_replication_workers = 4",
            "max_sync_workers_per_subscription = 1",
            "track_commit_timestamp = on",
            "wal_receiver_status_interval = 1s",
            "fsync = off",
            "io_method = sync",
            "jit = off",
            "min_wal_size = 8MB",
            "max_wal_size = 128MB",
            "password_encryption = 'scram-sha-256'",
            "log_min_messages = warning",
            "log_line_prefix = '%m [%p] '",
            "");

    private static final String HBA = String.join(
            "\n",
            "# harness: every TCP login is checked with scram-sha-256",
            "local   all          all                    trust",
            "host    all          all    127.0.0.1/32    scram-sha-256",
            "host    replication  all    127.0.0.1/32    scram-sha-256",
            "");

    private static Path template;
    private static String adminPassword;

    private PgTemplate() {}

    static synchronized String adminPassword() {
        if (adminPassword == null) {
            adminPassword = PgNode.randomPassword();
        }
        return adminPassword;
    }

    static synchronized Path dir() {
        if (template == null) {
            template = build();
        }
        return template;
    }

    static void copyInto(Path dataDir) throws IOException {
        DataDirCopier.copyAll(dir(), dataDir);
    }

    private static Path build() {
        Path base = NodeRegistry.runtimeDir().resolve("template");
        Path data = base.resolve("data");
        NodeRegistry.cleanupOnExit(base);
        try {
            Files.createDirectories(base);
            Path log = base.resolve("initdb.log");
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setPort(PortAllocator.next())
                    .setRegisterShutdownHook(false)
                    .setLocaleConfig("locale", "C")
                    .setLocaleConfig("wal-segsize", "1")
                    .setOutputRedirector(Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(Redirect.appendTo(log.toFile()))
                    .start();
            try (Connection c = pg.getPostgresDatabase().getConnection();
                    Statement st = c.createStatement()) {
                st.execute("ALTER ROLE postgres PASSWORD '" + adminPassword() + "'");
                // the pgactive catalog needs superuser in practice, so the monitoring role is one
                st.execute("CREATE ROLE " + PgNode.MONITOR_USER + " SUPERUSER LOGIN PASSWORD '"
                        + PgNode.randomPassword() + "'");
                st.execute("CHECKPOINT");
            } finally {
                pg.close();
            }
            Files.deleteIfExists(data.resolve("epg-lock"));
            Files.writeString(data.resolve("pg_hba.conf"), HBA, StandardCharsets.UTF_8);
            Files.writeString(
                    data.resolve("postgresql.conf"), SETTINGS, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the PostgreSQL template", e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot build the PostgreSQL template", e);
        }
    }
}
