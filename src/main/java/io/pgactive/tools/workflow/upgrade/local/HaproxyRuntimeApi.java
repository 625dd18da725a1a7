package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * HAProxy's runtime API over its admin Unix socket: one command per connection (HAProxy answers and closes).
 */
public final class HaproxyRuntimeApi {

    /** Backend and server names as HAProxy's configuration accepts them; anything else never reaches the socket. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    /** Answers that mean the command was refused (HAProxy reports errors as text, not as a status). */
    private static final List<String> REFUSALS = List.of(
            "no such",
            "unknown command",
            "permission denied",
            "require",
            "invalid",
            "can only be",
            "not allowed",
            "cannot",
            "failed",
            "error");

    /**
     * Forced, inherited, DNS and hostname maintenance. The configuration's {@code disabled} (0x04) stays set after
     * {@code state ready} and is not a maintenance by itself.
     */
    private static final int MAINT_FLAGS = 0x01 | 0x02 | 0x20 | 0x40;

    private static final int DRAIN_FLAGS = 0x08 | 0x10;
    private static final int OP_RUNNING = 2;

    /** One line of {@code show servers state}. */
    public record ServerState(String name, String address, int port, int opState, int adminState, int weight) {
        public boolean maintenance() {
            return (adminState & MAINT_FLAGS) != 0;
        }

        boolean draining() {
            return (adminState & DRAIN_FLAGS) != 0;
        }

        /** The weight that counts for new connections: none while down, in maintenance or draining. */
        public int effectiveWeight() {
            return opState == OP_RUNNING && !maintenance() && !draining() ? weight : 0;
        }

        public String describe() {
            String state = maintenance() ? "maint" : draining() ? "drain" : opState == OP_RUNNING ? "ready" : "down";
            return name + " " + address + ":" + port + " weight " + weight + " " + state;
        }
    }

    private final Path socket;
    private final Duration timeout;

    public HaproxyRuntimeApi(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    public static String requireName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new UpgradeException("invalid HAProxy " + what + " name: '" + name + "'", false);
        }
        return name;
    }

    /** Runs a command that answers nothing (or a notice) on success. */
    public String command(String command) {
        String answer = send(command).strip();
        String lower = answer.toLowerCase(Locale.ROOT);
        for (String refusal : REFUSALS) {
            // "no need to change the addr" is HAProxy's notice that a repeated call had nothing to do
            if (lower.contains(refusal) && !lower.startsWith("no need to change")) {
                throw new UpgradeException("HAProxy refused '" + command + "': " + answer, false);
            }
        }
        return answer;
    }

    /** {@code show servers state <backend>}, by server name. */
    public Map<String, ServerState> servers(String backend) {
        String answer = send("show servers state " + backend);
        List<String> lines = answer.lines().filter(l -> !l.isBlank()).toList();
        Optional<String> header = lines.stream().filter(l -> l.startsWith("# ")).findFirst();
        if (header.isEmpty()) {
            throw new UpgradeException(
                    "HAProxy answered 'show servers state " + backend + "' with: " + answer.strip(), false);
        }
        List<String> columns = List.of(header.get().substring(2).trim().split("\\s+"));
        Map<String, ServerState> out = new LinkedHashMap<>();
        for (String line : lines) {
            if (line.startsWith("#") || !line.contains(" ")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (f.length < columns.size()) {
                continue;
            }
            ServerState s = new ServerState(
                    f[columns.indexOf("srv_name")],
                    f[columns.indexOf("srv_addr")],
                    Integer.parseInt(f[columns.indexOf("srv_port")]),
                    Integer.parseInt(f[columns.indexOf("srv_op_state")]),
                    Integer.parseInt(f[columns.indexOf("srv_admin_state")]),
                    Integer.parseInt(f[columns.indexOf("srv_uweight")]));
            out.put(s.name(), s);
        }
        return out;
    }

    /** Current sessions ({@code scur} of {@code show stat}) of one server. */
    long currentSessions(String backend, String server) {
        List<String> lines = send("show stat").lines().toList();
        if (lines.isEmpty() || !lines.get(0).startsWith("# ")) {
            throw new UpgradeException("HAProxy answered 'show stat' unexpectedly", false);
        }
        List<String> columns = List.of(lines.get(0).substring(2).split(",", -1));
        int px = columns.indexOf("pxname");
        int sv = columns.indexOf("svname");
        int scur = columns.indexOf("scur");
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            if (f.length > scur && f[px].equals(backend) && f[sv].equals(server)) {
                return f[scur].isEmpty() ? 0 : Long.parseLong(f[scur]);
            }
        }
        throw new UpgradeException("HAProxy has no server " + backend + "/" + server, false);
    }

    private String send(String command) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(16 * 1024);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new UpgradeException(
                            "HAProxy did not answer '" + command + "' within " + timeout.toMillis() + "ms", true);
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                int n = ch.read(in);
                if (n < 0) {
                    return answer.toString(StandardCharsets.UTF_8);
                }
                answer.write(in.array(), 0, in.position());
                in.clear();
            }
        } catch (IOException e) {
            throw new UpgradeException(
                    "cannot reach HAProxy's runtime API at " + socket + ": " + e.getMessage(), true, e);
        }
    }
}
