package io.pgactive.tools.testing;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CountDownLatch;

/**
 * A running demo: {@link PgCluster#demo} with a live pgactive fixture on node1 and node2, a gentle write load,
 * occasional apply stalls and conflicts, and a config file for the service pointing at the three nodes.
 *
 * <p>With the write guard (the command line's default), also: a real PgBouncer in front of node1, Temporal's test
 * server on loopback, an application writer inserting through that PgBouncer, and a {@code guard:} section with gate
 * {@value #GATE} in the config, so the service's guard can pause the writer's inserts; and a node that can be upgraded,
 * {@link DemoUpgradeRoute} (PostgreSQL 16 behind HAProxy and PgBouncer, its own writer, an {@code upgrade:} section),
 * which {@value #UPGRADE_REQUEST} in the control directory upgrades through the service. From the command line, with
 * or without the guard, lag on demand: a file {@value #LAG_REQUEST} holding a number of seconds, dropped into the
 * control directory, pauses WAL replay on node3 (node1's streaming standby) for that long.
 *
 * <pre>
 * java -cp &lt;demo classpath&gt; io.pgactive.tools.testing.DemoCluster --work-dir DIR --config-out FILE
 *      [--parent-pid PID] [--exit-on-stdin-eof] [--no-load] [--no-guard]
 * </pre>
 *
 * Prints {@code DEMO READY <config path>} on stdout once everything runs, then runs until SIGTERM/SIGINT or
 * until the watched parent process exits (by default the process that started this JVM; {@code --parent-pid 0}
 * disables the check). Next to the config it writes {@value #PID_FILE} and, with the guard, {@value #ENV_FILE} (the
 * service's Temporal settings); the config's directory is the control directory. On exit every node, PgBouncer and
 * the Temporal server are stopped, the work directory is removed and those files are deleted.
 */
public final class DemoCluster implements AutoCloseable {

    public static final String SYSID_NODE1 = "6999999999999990001";
    public static final String SYSID_NODE2 = "6999999999999990002";
    public static final String READY_PREFIX = "DEMO READY ";
    /** The guard's gate in the generated config. */
    public static final String GATE = "app";
    /** The table the demo writer inserts into, on node1 only (not published). */
    public static final String WRITES_TABLE = "demo_writes";
    /** Control file: its content, a number of seconds, asks for WAL replay on node3 to pause that long. */
    public static final String LAG_REQUEST = "demo-lag.request";
    /** Present while replay on node3 is paused on request; holds {@code until=<epoch seconds>}. */
    public static final String LAG_ACTIVE = "demo-lag.active";
    /** Control file: asks for an upgrade of the demo's PostgreSQL 16 node; see {@link UpgradeControl}. */
    public static final String UPGRADE_REQUEST = "demo-upgrade.request";
    /** Present while an upgrade asked for runs. */
    public static final String UPGRADE_ACTIVE = "demo-upgrade.active";
    /** The running or last upgrade's timeline, ending with a line that starts with {@code DONE }. */
    public static final String UPGRADE_OUT = "demo-upgrade.out";

    public static final String ENV_FILE = "demo.env";
    public static final String PID_FILE = "demo.pid";
    public static final String DEFAULT_GUARD_TOKEN = "demo-token";
    /** Longest lag request taken: beyond guard.max_pause the guard gives up holding writes anyway. */
    public static final int MAX_LAG_SECONDS = 600;

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final Path workDir;
    private final PgCluster cluster;
    private final PgactiveFixture f1;
    private final PgactiveFixture f2;
    private final PgactiveLiveFeed feed;
    private final Thread load;
    private volatile boolean running = true;
    private final Map<PgNode, Connection> loadConnections = new HashMap<>();
    private final GuardedWorld guarded;
    private final LagControl lagControl;
    private final DemoUpgradeRoute upgradeRoute;
    private final UpgradeControl upgradeControl;

    private DemoCluster(Path workDir, boolean withLoad, String guardToken, Path controlDir) {
        this.workDir = workDir;
        this.cluster = PgCluster.demo(workDir);
        try {
            PgNode n1 = cluster.node("node1");
            PgNode n2 = cluster.node("node2");
            f1 = n1.installPgactiveFixture(SYSID_NODE1, "node1");
            f2 = n2.installPgactiveFixture(SYSID_NODE2, "node2");
            f1.addPeer(f2);
            f2.addPeer(f1);
            feed = new PgactiveLiveFeed(
                    List.of(f1, f2),
                    List.of(
                            new PgactiveLiveFeed.Channel(f1, f2, PgCluster.SUB_NODE2_FROM_NODE1),
                            new PgactiveLiveFeed.Channel(f2, f1, PgCluster.SUB_NODE1_FROM_NODE2)));
            feed.refreshOnce();
            feed.start(Duration.ofSeconds(1));
            load = new Thread(this::runLoad, "demo-load");
            load.setDaemon(true);
            if (withLoad) {
                load.start();
            }
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        GuardedWorld world = null;
        DemoUpgradeRoute route = null;
        try {
            world = guardToken == null ? null : new GuardedWorld(cluster.node("node1"), guardToken);
            // the upgrade runs in the service's Temporal worker, which only the guarded demo starts
            route = guardToken == null ? null : DemoUpgradeRoute.start();
            lagControl = controlDir == null ? null : new LagControl(cluster.node("node3"), controlDir);
        } catch (RuntimeException e) {
            if (route != null) {
                route.close();
            }
            if (world != null) {
                world.close();
            }
            running = false;
            load.interrupt();
            feed.close();
            cluster.close();
            throw e;
        }
        guarded = world;
        upgradeRoute = route;
        upgradeControl = route == null || controlDir == null ? null : new UpgradeControl(route, guardToken, controlDir);
    }

    /** Starts the demo cluster under {@code workDir}, without the write guard's parts. */
    public static DemoCluster start(Path workDir, boolean withLoad) {
        return new DemoCluster(workDir, withLoad, null, null);
    }

    /**
     * Starts the demo cluster with PgBouncer, the Temporal test server, the application writer and the lag control
     * that polls {@code controlDir}; {@link #config()} then has a {@code guard:} section with {@code guardToken}.
     */
    public static DemoCluster startGuarded(Path workDir, boolean withLoad, String guardToken, Path controlDir) {
        return new DemoCluster(workDir, withLoad, guardToken, controlDir);
    }

    public PgCluster cluster() {
        return cluster;
    }

    public PgactiveFixture fixture1() {
        return f1;
    }

    public PgactiveFixture fixture2() {
        return f2;
    }

    public PgactiveLiveFeed feed() {
        return feed;
    }

    /** The service's configuration for the three demo nodes. */
    public String config() {
        StringBuilder sb = new StringBuilder();
        sb.append("# generated by DemoCluster\n");
        sb.append("collector:\n");
        sb.append("  interval: 2s\n");
        sb.append("  nodes:\n");
        for (PgNode n : cluster.nodes()) {
            sb.append("    - name: ").append(n.name()).append('\n');
            sb.append("      dsn: \"").append(n.dsn()).append("\"\n");
        }
        if (upgradeRoute != null) {
            sb.append(upgradeRoute.collectorNode());
        }
        sb.append("thresholds:\n");
        sb.append("  lag_seconds_warn: 5\n");
        sb.append("  lag_seconds_crit: 15\n");
        sb.append("  conflicts_warn: 3/min\n");
        if (guarded != null) {
            // pause above the warn threshold so the snapshot turns yellow first; hold long enough that one slow
            // scrape does not decide, short enough that a person watching sees the gate move within seconds
            sb.append("guard:\n");
            sb.append("  token: \"")
                    .append(guarded.token.replace("\\", "\\\\").replace("\"", "\\\""))
                    .append("\"\n");
            sb.append("  pause_above: 5\n");
            sb.append("  resume_below: 1\n");
            sb.append("  hold: 2s\n");
            sb.append("  max_pause: 100s\n");
            sb.append("  gates:\n");
            sb.append("    - name: ").append(GATE).append('\n');
            sb.append("      node: node1\n");
            sb.append("      pgbouncer: \"").append(guarded.bouncer.adminDsn()).append("\"\n");
            sb.append("      database: ").append(PgNode.DATABASE).append('\n');
            sb.append("      autostart: true\n");
        }
        if (upgradeRoute != null) {
            sb.append(upgradeRoute.config(guarded.token));
        }
        return sb.toString();
    }

    /** The environment the service needs to reach this demo's Temporal server; empty without the guard. */
    public String serviceEnv() {
        if (guarded == null) {
            return "";
        }
        return "PGACTIVE_TOOLS_TEMPORAL_ENABLED=true\n" + "QUARKUS_TEMPORAL_CONNECTION_TARGET="
                + guarded.temporal.target() + "\n";
    }

    /** Writes {@link #config()} to {@code file} through a temporary file and an atomic rename. */
    public void writeConfig(Path file) throws IOException {
        writeAtomically(file, config());
    }

    /** Readers polling for the file never see it half written. */
    private static void writeAtomically(Path file, String content) throws IOException {
        Path abs = file.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        // owner-only: the config holds the nodes' and PgBouncer's passwords and the guard token
        Path tmp = Files.createTempFile(
                abs.getParent(),
                abs.getFileName().toString(),
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void log(String line) {
        System.err.println(LocalTime.now().format(CLOCK) + " " + line);
    }

    private boolean lagEpisodeRunning() {
        return lagControl != null && lagControl.episodeRunning;
    }

    /**
     * About 15 single-row inserts a second, alternating node1 and node2. Every ~30 s a burst of a few hundred
     * rows; every ~75 s one subscription is disabled for 8 to 20 s (shown as apply paused on the fixture), so
     * lag crosses the warn and sometimes the crit threshold and then recovers; every ~40 s a conflict row, and
     * now and then a cluster of four so the conflict rate threshold trips.
     */
    private void runLoad() {
        Random rnd = new Random();
        PgNode n1 = cluster.node("node1");
        PgNode n2 = cluster.node("node2");
        long tick = 0;
        long stallUntil = 0;
        PgactiveFixture stalled = null;
        while (running) {
            long now = System.currentTimeMillis();
            try {
                PgNode target = (tick % 2 == 0) ? n1 : n2;
                insertEvent(target, "event-" + tick);
                if (tick > 0 && tick % 450 == 0) {
                    target.execute("INSERT INTO " + PgCluster.EVENTS_TABLE + " (payload)"
                            + " SELECT 'burst-' || g FROM generate_series(1, " + (200 + rnd.nextInt(600)) + ") g");
                }
                // none starts during a requested lag episode, so what the guard does then is the requester's doing
                if (stalled == null && tick > 0 && tick % 1125 == 0 && !lagEpisodeRunning()) {
                    stalled = rnd.nextBoolean() ? f1 : f2;
                    int seconds = 8 + rnd.nextInt(12);
                    stallUntil = now + seconds * 1000L;
                    stalled.node().disableSubscription(subscriptionOn(stalled));
                    stalled.node().execute("SELECT pgactive.pgactive_apply_pause()");
                    // only node2 falling behind node1 counts in node1's lag, the figure the guard watches
                    log("load: random stall: " + stalled.nodeName() + " stops applying "
                            + (stalled == f1
                                    ? "node2's changes for " + seconds + " s"
                                    : "node1's changes for " + seconds
                                            + " s; node1's lag grows, the guard may pause writes"));
                } else if (stalled != null && now >= stallUntil) {
                    resume(stalled);
                    log("load: random stall over: " + stalled.nodeName() + " applies again");
                    stalled = null;
                }
                if (tick > 0 && tick % 600 == 0) {
                    int count = rnd.nextInt(4) == 0 ? 4 : 1;
                    for (int i = 0; i < count; i++) {
                        insertRandomConflict(rnd);
                    }
                }
            } catch (RuntimeException e) {
                // a node may be stopped on purpose during a demo; keep going
            }
            tick++;
            long sleep = 66 - (System.currentTimeMillis() - now);
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        for (Connection c : loadConnections.values()) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // shutting down
            }
        }
        if (stalled != null) {
            try {
                resume(stalled);
            } catch (RuntimeException ignored) {
                // shutting down
            }
        }
    }

    /** Reuses one connection per node: opening one per insert would cost more CPU than the inserts. */
    private void insertEvent(PgNode node, String payload) {
        try {
            Connection c = loadConnections.get(node);
            if (c == null || c.isClosed()) {
                c = node.connect(Duration.ofSeconds(2), Duration.ofSeconds(5));
                loadConnections.put(node, c);
            }
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO " + PgCluster.EVENTS_TABLE + " (payload) VALUES (?)")) {
                ps.setString(1, payload);
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            Connection broken = loadConnections.remove(node);
            if (broken != null) {
                try {
                    broken.close();
                } catch (SQLException ignored) {
                    // already broken
                }
            }
        }
    }

    private static String subscriptionOn(PgactiveFixture f) {
        return f.nodeName().equals("node1") ? PgCluster.SUB_NODE1_FROM_NODE2 : PgCluster.SUB_NODE2_FROM_NODE1;
    }

    private static void resume(PgactiveFixture f) {
        f.node().enableSubscription(subscriptionOn(f));
        f.node().execute("SELECT pgactive.pgactive_apply_resume()");
    }

    private void insertRandomConflict(Random rnd) {
        String[][] kinds = {
            {"insert_insert", "last_update_wins_keep_remote"},
            {"insert_insert", "last_update_wins_keep_local"},
            {"update_update", "last_update_wins_keep_remote"},
            {"update_delete", "skip_change"},
            {"delete_delete", "skip_change"},
        };
        String[] k = kinds[rnd.nextInt(kinds.length)];
        PgactiveFixture f = rnd.nextBoolean() ? f1 : f2;
        f.insertConflict(k[0], k[1], "public", PgCluster.EVENTS_TABLE, Instant.now());
    }

    /** The PostgreSQL 16 node behind HAProxy and PgBouncer that {@code bin/demo-upgrade} upgrades; empty without the guard. */
    public Optional<DemoUpgradeRoute> upgradeRoute() {
        return Optional.ofNullable(upgradeRoute);
    }

    @Override
    public void close() {
        if (upgradeControl != null) {
            upgradeControl.close();
        }
        if (lagControl != null) {
            lagControl.close();
        }
        if (upgradeRoute != null) {
            upgradeRoute.close();
        }
        if (guarded != null) {
            guarded.close();
        }
        running = false;
        load.interrupt();
        try {
            load.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        feed.close();
        try {
            cluster.close();
        } finally {
            PgNode.deleteTree(workDir);
        }
    }

    // ------------------------------------------------------------------ the write guard's world

    /** PgBouncer, Temporal and the application writer: what the service's guard acts on. */
    private static final class GuardedWorld implements AutoCloseable {
        final String token;
        final PgBouncerProcess bouncer;
        final TemporalTestServer temporal;
        final Writer writer;

        GuardedWorld(PgNode primary, String token) {
            this.token = token;
            primary.execute("CREATE TABLE " + WRITES_TABLE
                    + " (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())");
            // the writer logs in as the monitor role, the one PgBouncer knows
            primary.execute("GRANT INSERT ON " + WRITES_TABLE + " TO " + PgNode.MONITOR_USER + ";"
                    + "GRANT USAGE ON SEQUENCE " + WRITES_TABLE + "_id_seq TO " + PgNode.MONITOR_USER);
            PgBouncerProcess b = null;
            TemporalTestServer t = null;
            try {
                b = PgBouncerProcess.start(primary);
                t = TemporalTestServer.start(0);
            } catch (RuntimeException e) {
                if (b != null) {
                    b.close();
                }
                throw e;
            }
            this.bouncer = b;
            this.temporal = t;
            this.writer = new Writer(b);
        }

        @Override
        public void close() {
            // PgBouncer first: its shutdown ends an insert it holds, which the writer may be blocked in
            writer.stop();
            try {
                bouncer.close();
            } finally {
                writer.join();
                temporal.close();
            }
        }
    }

    /**
     * The application the guard protects: one row about every 200 ms into {@value #WRITES_TABLE} on node1 through
     * PgBouncer, and a status line every 2 s. An insert PgBouncer holds just waits; the line says for how long.
     */
    private static final class Writer {
        private static final long PACE_MS = 200;
        private static final long REPORT_MS = 2_000;
        private static final long HELD_AFTER_MS = 1_000;

        private final PgBouncerProcess bouncer;
        private final Thread thread;
        private final Thread reporter;
        private volatile boolean running = true;
        private volatile long insertStartedNanos;
        private volatile long lastInsertMillis;
        private volatile long written;
        private volatile long failed;
        private volatile String lastError;

        Writer(PgBouncerProcess bouncer) {
            this.bouncer = bouncer;
            this.thread = new Thread(this::run, "demo-writer");
            this.reporter = new Thread(this::report, "demo-writer-report");
            thread.setDaemon(true);
            reporter.setDaemon(true);
            thread.start();
            reporter.start();
        }

        private Connection connect() throws SQLException {
            Properties p = bouncer.jdbcProperties();
            // longer than PgBouncer's query_wait_timeout (120 s): a held insert ends by PgBouncer's verdict, not ours
            p.setProperty("socketTimeout", "150");
            p.setProperty("ApplicationName", "demo-writer");
            return DriverManager.getConnection(bouncer.jdbcUrl(PgNode.DATABASE), p);
        }

        private void run() {
            Connection c = null;
            while (running) {
                long started = System.nanoTime();
                try {
                    if (c == null) {
                        c = connect();
                    }
                    insertStartedNanos = started;
                    try (Statement st = c.createStatement()) {
                        st.executeUpdate("INSERT INTO " + WRITES_TABLE + " DEFAULT VALUES");
                    }
                    insertStartedNanos = 0;
                    long ms = (System.nanoTime() - started) / 1_000_000;
                    lastInsertMillis = ms;
                    written++;
                    if (ms >= HELD_AFTER_MS) {
                        log(String.format("writer: held insert went through after %.1f s", ms / 1000.0));
                    }
                } catch (SQLException e) {
                    insertStartedNanos = 0;
                    closeQuietly(c);
                    c = null;
                    if (!running) {
                        break;
                    }
                    failed++;
                    // a PgBouncer that is down fails every retry the same way; the status line keeps counting
                    if (!Objects.equals(lastError, e.getMessage())) {
                        log(String.format(
                                "writer: insert failed after %.1f s: %s",
                                (System.nanoTime() - started) / 1e9, e.getMessage()));
                    }
                    lastError = e.getMessage();
                    pauseQuietly(1_000);
                    continue;
                }
                pauseQuietly(PACE_MS - (System.nanoTime() - started) / 1_000_000);
            }
            closeQuietly(c);
        }

        private void report() {
            while (running) {
                pauseQuietly(REPORT_MS);
                if (!running) {
                    return;
                }
                long since = insertStartedNanos;
                long waitingMs = since == 0 ? 0 : (System.nanoTime() - since) / 1_000_000;
                if (waitingMs >= HELD_AFTER_MS) {
                    log(String.format(
                            "writer: insert waiting %.1f s (writes held at pgbouncer), %d rows written",
                            waitingMs / 1000.0, written));
                } else {
                    log("writer: " + written + " rows written, last insert " + lastInsertMillis + " ms"
                            + (failed == 0 ? "" : ", " + failed + " failed (last: " + lastError + ")"));
                }
            }
        }

        void stop() {
            running = false;
            thread.interrupt();
            reporter.interrupt();
        }

        void join() {
            try {
                thread.join(5_000);
                reporter.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static void closeQuietly(Connection c) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // the connection is gone either way
                }
            }
        }
    }

    /** Returns early, without an error, when interrupted: the caller's loop condition decides whether to go on. */
    private static void pauseQuietly(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Lag on request: polls the control directory once a second for {@value #LAG_REQUEST}, renames it to
     * {@value #LAG_ACTIVE}, pauses WAL replay on the standby for the requested seconds, resumes it and deletes the file.
     * node1 keeps writing meanwhile (the load, and the writer until the guard pauses it), so the standby's lag grows
     * by a second each second.
     */
    private static final class LagControl implements AutoCloseable {
        private final PgNode standby;
        private final Path request;
        private final Path active;
        private final Thread thread;
        private volatile boolean running = true;
        volatile boolean episodeRunning;

        LagControl(PgNode standby, Path controlDir) {
            this.standby = standby;
            this.request = controlDir.resolve(LAG_REQUEST);
            this.active = controlDir.resolve(LAG_ACTIVE);
            // left by a demo that was killed outright: no episode of this run
            deleteQuietly(request);
            deleteQuietly(active);
            this.thread = new Thread(this::run, "demo-lag-control");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (running) {
                pauseQuietly(1_000);
                if (running && Files.exists(request)) {
                    episode();
                }
            }
        }

        private void episode() {
            String text;
            try {
                text = Files.readString(request, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                return; // removed between the check and the read: nothing asked any more
            }
            int seconds;
            try {
                seconds = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                seconds = -1;
            }
            if (seconds < 1 || seconds > MAX_LAG_SECONDS) {
                log("lag: ignored " + LAG_REQUEST + " with '" + text + "' (expected 1.." + MAX_LAG_SECONDS
                        + " seconds)");
                deleteQuietly(request);
                return;
            }
            long until = System.currentTimeMillis() + seconds * 1000L;
            episodeRunning = true;
            try {
                writeAtomically(active, "until=" + until / 1000 + "\nseconds=" + seconds + "\n");
                deleteQuietly(request);
                standby.execute("SELECT pg_wal_replay_pause()");
                log("lag: WAL replay on " + standby.name() + " paused for " + seconds
                        + " s; node1's lag grows from now");
                while (running && System.currentTimeMillis() < until) {
                    pauseQuietly(Math.min(1_000, until - System.currentTimeMillis()));
                }
            } catch (IOException | RuntimeException e) {
                log("lag: could not pause WAL replay on " + standby.name() + ": " + e.getMessage());
            } finally {
                if (resumeReplay() && running) {
                    log("lag: WAL replay on " + standby.name() + " resumed; it catches up within seconds");
                }
                deleteQuietly(active);
                episodeRunning = false;
            }
        }

        /**
         * Replay that resumes may at once conflict with the very session that resumed it, which is then cancelled
         * ("conflict with recovery") although the resume took effect; so the pause state decides, not the error.
         */
        private boolean resumeReplay() {
            // at shutdown this thread has been interrupted, and the JDBC driver gives up on an interrupted thread
            boolean interrupted = Thread.interrupted();
            try {
                return resumeReplayAttempts();
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private boolean resumeReplayAttempts() {
            RuntimeException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    standby.execute("SELECT pg_wal_replay_resume()");
                    return true;
                } catch (RuntimeException e) {
                    last = e;
                }
                try {
                    if ("not paused".equals(standby.queryString("SELECT pg_get_wal_replay_pause_state()"))) {
                        return true;
                    }
                } catch (RuntimeException e) {
                    last = e;
                }
            }
            log("lag: could not resume WAL replay on " + standby.name() + ": " + last.getMessage());
            return false;
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteQuietly(request);
            deleteQuietly(active);
        }
    }

    /**
     * Upgrades on request: polls the control directory twice a second for {@value #UPGRADE_REQUEST} (lines
     * {@code url=<service base URL>}, {@code shifts=25,50}, {@code keep=true|false}), renames it to
     * {@value #UPGRADE_ACTIVE}, runs one {@link DemoUpgradeRun} that prints to {@value #UPGRADE_OUT} and deletes the
     * active file when the run ends. One upgrade at a time.
     */
    private static final class UpgradeControl implements AutoCloseable {
        private final DemoUpgradeRoute route;
        private final String token;
        private final Path request;
        private final Path active;
        private final Path output;
        private final Thread thread;
        private volatile boolean running = true;

        UpgradeControl(DemoUpgradeRoute route, String token, Path controlDir) {
            this.route = route;
            this.token = token;
            this.request = controlDir.resolve(UPGRADE_REQUEST);
            this.active = controlDir.resolve(UPGRADE_ACTIVE);
            this.output = controlDir.resolve(UPGRADE_OUT);
            deleteQuietly(request);
            deleteQuietly(active);
            this.thread = new Thread(this::run, "demo-upgrade-control");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (running) {
                pauseQuietly(500);
                if (running && Files.exists(request)) {
                    upgrade();
                }
            }
        }

        private void upgrade() {
            Properties asked = new Properties();
            try (Reader r = Files.newBufferedReader(request, StandardCharsets.UTF_8)) {
                asked.load(r);
                Files.move(request, active, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                return; // removed between the check and the read: nothing asked any more
            }
            try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(output, StandardCharsets.UTF_8))) {
                List<Integer> shifts;
                try {
                    shifts = Arrays.stream(asked.getProperty("shifts", "25,50").split(","))
                            .map(String::trim)
                            .map(Integer::valueOf)
                            .toList();
                } catch (NumberFormatException e) {
                    out.println(DemoUpgradeRun.DONE + "failed: shifts must be percentages such as 25,50");
                    return;
                }
                log("upgrade: " + DemoUpgradeRoute.SOURCE_NODE + " to PostgreSQL " + DemoUpgradeRoute.TARGET_MAJOR
                        + " asked for; the timeline goes to " + output);
                new DemoUpgradeRun(
                                route,
                                asked.getProperty("url", "http://127.0.0.1:8080"),
                                token,
                                shifts,
                                Boolean.parseBoolean(asked.getProperty("keep", "false")),
                                out)
                        .run();
                log("upgrade: run over; see " + output);
            } catch (IOException | RuntimeException e) {
                log("upgrade: could not run: " + e.getMessage());
            } finally {
                deleteQuietly(active);
            }
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteQuietly(request);
            deleteQuietly(active);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover control file is ignored and replaced by the next run
        }
    }

    // ------------------------------------------------------------------ command line

    public static void main(String[] args) throws Exception {
        Path workDir = null;
        Path configOut = null;
        Long parentPid = null;
        boolean stdinEof = false;
        boolean withLoad = true;
        boolean withGuard = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--work-dir" -> workDir = Path.of(args[++i]);
                case "--config-out" -> configOut = Path.of(args[++i]);
                case "--parent-pid" -> parentPid = Long.parseLong(args[++i]);
                case "--exit-on-stdin-eof" -> stdinEof = true;
                case "--no-load" -> withLoad = false;
                case "--no-guard" -> withGuard = false;
                default -> {
                    System.err.println("usage: DemoCluster --work-dir DIR --config-out FILE [--parent-pid PID]"
                            + " [--exit-on-stdin-eof] [--no-load] [--no-guard]");
                    System.exit(2);
                }
            }
        }
        if (workDir == null || configOut == null) {
            System.err.println("--work-dir and --config-out are required");
            System.exit(2);
        }
        // stdout carries only the READY line; library logging goes to stderr
        PrintStream out = System.out;
        System.setOut(System.err);

        Path dir = workDir.toAbsolutePath();
        Files.createDirectories(dir);
        Path controlDir = configOut.toAbsolutePath().getParent();
        Files.createDirectories(controlDir);
        Path envFile = controlDir.resolve(ENV_FILE);
        Path pidFile = controlDir.resolve(PID_FILE);
        // a stale env file would point the service at a Temporal server that no longer exists
        deleteQuietly(envFile);
        String token = System.getenv().getOrDefault("PGACTIVE_TOOLS_GUARD_TOKEN", "");
        if (token.isBlank()) {
            token = DEFAULT_GUARD_TOKEN;
        }
        // covers a SIGKILLed JVM too: the harness watchdog deletes it after stopping the nodes
        NodeRegistry.cleanupOnExit(dir);

        CountDownLatch done = new CountDownLatch(1);
        DemoCluster[] demo = new DemoCluster[1];
        Thread hook = new Thread(
                () -> {
                    synchronized (demo) {
                        if (demo[0] != null) {
                            demo[0].close();
                        }
                    }
                    deleteQuietly(pidFile);
                    deleteQuietly(envFile);
                    PgNode.deleteTree(dir);
                    done.countDown();
                },
                "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        synchronized (demo) {
            demo[0] = new DemoCluster(dir, withLoad, withGuard ? token : null, controlDir);
            demo[0].writeConfig(configOut);
            if (withGuard) {
                writeAtomically(envFile, demo[0].serviceEnv());
            }
            writeAtomically(pidFile, ProcessHandle.current().pid() + "\n");
        }
        watchParent(parentPid, stdinEof);
        out.println(READY_PREFIX + configOut.toAbsolutePath());
        out.flush();
        done.await();
    }

    /** Exits (running the shutdown hooks) once the parent process is gone or stdin reaches EOF. */
    private static void watchParent(Long parentPid, boolean stdinEof) {
        Optional<ProcessHandle> parent;
        if (parentPid == null) {
            parent = ProcessHandle.current().parent();
        } else if (parentPid == 0) {
            parent = Optional.empty();
        } else {
            parent = ProcessHandle.of(parentPid);
            if (parent.isEmpty()) {
                System.err.println("parent process " + parentPid + " is not running");
                System.exit(1);
            }
        }
        List<Thread> watchers = new ArrayList<>();
        parent.ifPresent(p -> watchers.add(new Thread(
                () -> {
                    while (p.isAlive()) {
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    System.err.println("parent process " + p.pid() + " exited, shutting the demo down");
                    System.exit(0);
                },
                "demo-parent-watch")));
        if (stdinEof) {
            watchers.add(new Thread(
                    () -> {
                        try {
                            while (System.in.read() >= 0) {
                                // ignore input; only EOF matters
                            }
                        } catch (IOException ignored) {
                            // treat like EOF
                        }
                        System.err.println("stdin closed, shutting the demo down");
                        System.exit(0);
                    },
                    "demo-stdin-watch"));
        }
        for (Thread t : watchers) {
            t.setDaemon(true);
            t.start();
        }
    }
}
