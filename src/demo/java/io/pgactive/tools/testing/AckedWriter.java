package io.pgactive.tools.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * An application that writes through a router and remembers every write the database acknowledged: one autocommit
 * {@code INSERT ... RETURNING id, inet_server_port()} after another on one connection, each with a unique payload.
 * The acknowledged writes are what an upgrade must never lose; the server port says which side took each one.
 * {@code table} needs a {@code bigserial} column {@code id} and a {@code text} column {@code payload}.
 */
public final class AckedWriter implements AutoCloseable {

    /** One write the database acknowledged. */
    public record Ack(long id, String payload, int serverPort, long ackNanos) {}

    private static final long RECONNECT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final List<Ack> acks = new ArrayList<>();
    private final long paceNanos;
    private final int keep;
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong total = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final String insert;
    private final Thread thread;
    private volatile boolean running = true;

    public AckedWriter(String jdbcUrl, Properties props, String table) {
        this(jdbcUrl, props, table, Duration.ZERO, Integer.MAX_VALUE);
    }

    /**
     * A writer that starts one insert every {@code pace} at most and remembers only the latest {@code keep}
     * acknowledgements, so that it can run for hours (a demo) without growing.
     */
    public AckedWriter(String jdbcUrl, Properties props, String table, Duration pace, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be positive: " + keep);
        }
        this.paceNanos = pace.toNanos();
        this.keep = keep;
        this.insert = "INSERT INTO " + table + " (payload) VALUES (?) RETURNING id, inet_server_port()";
        thread = new Thread(() -> run(jdbcUrl, props), "acked-writer");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String url, Properties props) {
        long seq = 0;
        String tag = Long.toHexString(System.nanoTime());
        while (running) {
            try (Connection c = DriverManager.getConnection(url, props);
                    PreparedStatement st = c.prepareStatement(insert)) {
                while (running) {
                    long started = System.nanoTime();
                    String payload = "w" + (++seq) + "-" + tag;
                    st.setString(1, payload);
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        Ack ack = new Ack(rs.getLong(1), payload, rs.getInt(2), System.nanoTime());
                        synchronized (acks) {
                            acks.add(ack);
                            total.incrementAndGet();
                            // trimmed in batches: removing from the front of the list one by one costs a copy each
                            if (acks.size() > keep + (long) keep / 4) {
                                acks.subList(0, acks.size() - keep).clear();
                            }
                        }
                    }
                    long rest = paceNanos - (System.nanoTime() - started);
                    if (rest > 0) {
                        LockSupport.parkNanos(rest);
                    }
                }
            } catch (SQLException e) {
                failed.incrementAndGet();
                lastError.set(e.getSQLState() + " " + e.getMessage());
                // a client backs off before it reconnects; the write in flight counts as not acknowledged
                LockSupport.parkNanos(RECONNECT_BACKOFF_NANOS);
            }
        }
    }

    /** How many writes were acknowledged since the start, including those no longer kept. */
    public int acked() {
        return (int) Math.min(Integer.MAX_VALUE, total.get());
    }

    /** The acknowledged writes so far (the latest {@code keep}), in the order they were acknowledged. */
    public List<Ack> acks() {
        synchronized (acks) {
            return List.copyOf(acks);
        }
    }

    public long ackedOn(int serverPort) {
        return acks().stream().filter(a -> a.serverPort() == serverPort).count();
    }

    public long failed() {
        return failed.get();
    }

    public String lastError() {
        return lastError.get();
    }

    /** The longest time between two consecutive acknowledgements, in milliseconds. */
    public static double longestGapMillis(List<Ack> acks) {
        long worst = 0;
        for (int i = 1; i < acks.size(); i++) {
            worst = Math.max(worst, acks.get(i).ackNanos() - acks.get(i - 1).ackNanos());
        }
        return worst / 1e6;
    }

    /**
     * The checksum the database computes with {@code md5(string_agg(id || ':' || payload, ',' ORDER BY id))} over
     * the same rows.
     */
    public static String checksum(List<Ack> acks) {
        StringBuilder all = new StringBuilder();
        acks.stream().sorted((a, b) -> Long.compare(a.id(), b.id())).forEach(a -> {
            if (!all.isEmpty()) {
                all.append(',');
            }
            all.append(a.id()).append(':').append(a.payload());
        });
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("MD5")
                            .digest(all.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops after the write in flight; returns once the writer has finished. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(120_000);
    }
}
