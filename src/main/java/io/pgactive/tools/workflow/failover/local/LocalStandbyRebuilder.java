package io.pgactive.tools.workflow.failover.local;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.workflow.failover.StandbyRebuilder;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.pgactive.tools.workflow.upgrade.local.DsnResolver;
import io.pgactive.tools.workflow.upgrade.local.LocalCommand;
import io.pgactive.tools.workflow.upgrade.local.PgAdmin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * {@link StandbyRebuilder} for servers on this host: {@code pg_ctl}, {@code pg_rewind} and {@code pg_basebackup} from
 * one PostgreSQL installation, run as the server's OS user when the service runs as root. The replication role needs
 * {@code REPLICATION} (base backup, streaming) and, for {@code pg_rewind}, superuser or the grants its documentation
 * lists; the old primary's data must have checksums or {@code wal_log_hints = on}, else it is copied afresh.
 */
public final class LocalStandbyRebuilder implements StandbyRebuilder {

    /** Whether this node streams now, and from where (the configured address of the new primary). */
    static final String RECEIVER = "SELECT status, sender_host, sender_port FROM pg_stat_wal_receiver";

    /** What pg_rewind says when the source's control file still shows the timeline the target is on. */
    static final String SAME_TIMELINE = "same timeline";

    private static final Logger LOG = Logger.getLogger(LocalStandbyRebuilder.class);

    /** Settings a rebuilt standby gets from here, not from whatever the copied configuration said. */
    private static final Set<String> OWN_SETTINGS =
            Set.of("primary_conninfo", "primary_slot_name", "port", "default_transaction_read_only");

    private final DsnResolver nodes;
    private final Map<String, Path> dataDirs;
    private final Path binDir;
    private final Optional<String> runAs;
    private final Optional<String> replicationUser;
    private final Optional<Path> passfile;
    private final Duration timeout;

    public LocalStandbyRebuilder(
            DsnResolver nodes,
            Map<String, Path> dataDirs,
            Path binDir,
            Optional<String> runAs,
            Optional<String> replicationUser,
            Optional<Path> passfile,
            Duration timeout) {
        this.nodes = nodes;
        this.dataDirs = Map.copyOf(dataDirs);
        this.binDir = binDir;
        this.runAs = runAs;
        this.replicationUser = replicationUser;
        this.passfile = passfile;
        this.timeout = timeout;
    }

    @Override
    public String rebuild(String node, String newPrimary) {
        Dsn own = dsn(node);
        Dsn source = dsn(newPrimary);
        Path data = dataDirs.get(node);
        if (data == null) {
            throw new UpgradeException(
                    "no data directory configured for " + node + ": set pgactive.failover.resync.data-dir." + node,
                    false);
        }
        if (streamsFrom(node, own, source)) {
            return node + " already streams from " + newPrimary;
        }
        Map<String, String> env = new HashMap<>();
        if (passfile.isPresent()) {
            env.put("PGPASSFILE", passfile.get().toString());
        } else if (source.password() != null) {
            env.put("PGPASSWORD", source.password());
        }
        Path work = data.toAbsolutePath().getParent();
        stop(data, env, work);
        String how;
        checkpoint(newPrimary, source);
        LocalCommand.Result rewind = LocalCommand.run(
                List.of(
                        program("pg_rewind"),
                        "--target-pgdata=" + data,
                        "--source-server=" + conninfo(source, node, false)),
                runAs,
                env,
                work,
                timeout);
        if (rewind.ok() && !rewind.output().contains(SAME_TIMELINE)) {
            how = "rewound with pg_rewind";
        } else {
            Path aside = data.resolveSibling(data.getFileName() + ".before-resync");
            moveAside(data, aside);
            LocalCommand.runChecked(
                    List.of(
                            program("pg_basebackup"),
                            "--pgdata=" + data,
                            "--dbname=" + conninfo(source, node, false),
                            "--wal-method=stream",
                            "--checkpoint=fast"),
                    runAs,
                    env,
                    work,
                    timeout,
                    true);
            how = "copied afresh with pg_basebackup (pg_rewind failed: " + lastLine(rewind.output())
                    + "; the old data is in " + aside.getFileName() + ")";
        }
        configureStandby(data, source, own.port(), node);
        LocalCommand.runChecked(
                List.of(
                        program("pg_ctl"),
                        "start",
                        "--pgdata=" + data,
                        "--wait",
                        "--timeout=" + timeout.toSeconds(),
                        "--log=" + data.resolve("resync-start.log")),
                runAs,
                env,
                work,
                timeout.plusSeconds(10),
                true);
        return node + " " + how + ", started as a standby of " + newPrimary;
    }

    /**
     * A just-promoted server's control file shows its new timeline only after a checkpoint; before that, pg_rewind
     * compares the old timeline with itself, finds nothing to do and leaves the old primary's diverged WAL in place, so
     * the rebuilt standby can never stream. Without the right to checkpoint (superuser or pg_checkpoint), pg_rewind's
     * "same timeline" answer sends the node to a fresh base backup instead.
     */
    private void checkpoint(String newPrimary, Dsn source) {
        try (Connection c = PgAdmin.connect(newPrimary, source, null, Duration.ofSeconds(10));
                Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        } catch (SQLException | UpgradeException e) {
            LOG.warnf(
                    "resync: CHECKPOINT on %s refused or failed (%s); pg_rewind may fall back to a base backup",
                    newPrimary, e.getMessage());
        }
    }

    private boolean streamsFrom(String node, Dsn own, Dsn source) {
        try (Connection c = PgAdmin.connect(node, own, null, Duration.ofSeconds(3));
                PreparedStatement st = c.prepareStatement(RECEIVER);
                ResultSet rs = st.executeQuery()) {
            return rs.next()
                    && "streaming".equals(rs.getString(1))
                    && source.host().equals(rs.getString(2))
                    && source.port() == rs.getInt(3);
        } catch (SQLException | UpgradeException e) {
            return false; // stopped or unreachable: rebuilt below
        }
    }

    private void stop(Path data, Map<String, String> env, Path work) {
        LocalCommand.Result status =
                LocalCommand.run(List.of(program("pg_ctl"), "status", "--pgdata=" + data), runAs, env, work, timeout);
        if (status.exitCode() == 3) {
            return; // not running
        }
        if (status.exitCode() != 0) {
            throw new UpgradeException("pg_ctl status of " + data + " failed: " + lastLine(status.output()), false);
        }
        LocalCommand.runChecked(
                List.of(
                        program("pg_ctl"),
                        "stop",
                        "--pgdata=" + data,
                        "--mode=fast",
                        "--wait",
                        "--timeout=" + timeout.toSeconds()),
                runAs,
                env,
                work,
                timeout.plusSeconds(10),
                true);
    }

    /** The standby streams from the new primary and listens where the service reaches it. */
    private void configureStandby(Path data, Dsn source, int ownPort, String node) {
        Path auto = data.resolve("postgresql.auto.conf");
        try {
            List<String> kept = new ArrayList<>();
            if (Files.exists(auto)) {
                for (String line : Files.readAllLines(auto, StandardCharsets.UTF_8)) {
                    int eq = line.indexOf('=');
                    String key = eq < 0 ? "" : line.substring(0, eq).strip();
                    if (!OWN_SETTINGS.contains(key)) {
                        kept.add(line);
                    }
                }
            }
            kept.add("primary_conninfo = '" + conninfo(source, node, true).replace("'", "''") + "'");
            kept.add("port = " + ownPort);
            Files.write(auto, kept, StandardCharsets.UTF_8);
            Files.writeString(data.resolve("standby.signal"), "");
        } catch (IOException e) {
            throw new UpgradeException("cannot configure " + node + " as a standby in " + data + ": " + e, false, e);
        }
    }

    /**
     * A libpq connection string to the new primary; {@code forServer} is the one the standby keeps, which carries the
     * password only when no password file is configured (as {@code pg_basebackup -R} would write it).
     */
    private String conninfo(Dsn source, String node, boolean forServer) {
        StringBuilder s = new StringBuilder()
                .append("host=")
                .append(quote(source.host()))
                .append(" port=")
                .append(source.port())
                .append(" user=")
                .append(quote(replicationUser.orElse(source.user())))
                .append(" dbname=")
                .append(quote(source.database()))
                .append(" application_name=")
                .append(quote(node));
        if (forServer) {
            if (passfile.isPresent()) {
                s.append(" passfile=").append(quote(passfile.get().toString()));
            } else if (source.password() != null) {
                s.append(" password=").append(quote(source.password()));
            }
        }
        return s.toString();
    }

    private static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static void moveAside(Path data, Path aside) {
        try {
            if (Files.exists(aside)) {
                deleteTree(aside);
            }
            Files.move(data, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UpgradeException("cannot move " + data + " aside for a fresh copy: " + e, false, e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p :
                    paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }

    private String program(String name) {
        return binDir.resolve(name).toString();
    }

    private Dsn dsn(String node) {
        Dsn dsn = nodes.resolve(node).orElse(null);
        if (dsn == null) {
            throw new UpgradeException("no configured node is named '" + node + "'", false);
        }
        return dsn;
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1];
    }
}
