package io.pgactive.tools.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An application writing through PgBouncer: one autocommit insert after another, as fast as they complete, counting
 * what it issued, what completed and what failed, so a test can see writes held and none lost. {@code table} needs
 * a {@code bigint} column {@code n}.
 */
public final class InsertLoop implements AutoCloseable {

    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<SQLException> lastError = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;

    public InsertLoop(String jdbcUrl, Properties props, String table) {
        thread = new Thread(() -> run(jdbcUrl, props, table), "insert-loop");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String url, Properties props, String table) {
        try (Connection c = DriverManager.getConnection(url, props);
                PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " (n) VALUES (?)")) {
            while (running) {
                long n = issued.incrementAndGet();
                insert.setLong(1, n);
                try {
                    insert.executeUpdate();
                    completed.incrementAndGet();
                } catch (SQLException e) {
                    failed.incrementAndGet();
                    lastError.set(e);
                }
            }
        } catch (SQLException e) {
            failed.incrementAndGet();
            lastError.set(e);
        }
    }

    public long issued() {
        return issued.get();
    }

    public long completed() {
        return completed.get();
    }

    public long failed() {
        return failed.get();
    }

    public SQLException lastError() {
        return lastError.get();
    }

    /** Stops after the insert in flight completes; returns once the writer has finished. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(120_000);
    }
}
