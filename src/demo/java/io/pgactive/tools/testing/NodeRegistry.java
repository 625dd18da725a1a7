package io.pgactive.tools.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Makes sure no postgres outlives the JVM that started it.
 *
 * <p>A JVM shutdown hook stops every running node. Since hooks do not run when the JVM is SIGKILLed, a small
 * detached shell watchdog also polls the JVM's pid and, once it is gone, thaws, stops and finally kills every
 * postmaster still listed in a registry file, then deletes the directories registered for cleanup.
 */
final class NodeRegistry {

    private static final Set<PgNode> RUNNING = new LinkedHashSet<>();
    private static final Set<Path> CLEANUP = new LinkedHashSet<>();
    private static Path runtimeDir;
    private static boolean hooked;

    private static final String WATCHDOG = String.join(
            "\n",
            "trap '' INT TERM HUP",
            "jvm=$1; reg=$2",
            "while kill -0 \"$jvm\" 2>/dev/null; do sleep 1; done",
            "pids=''",
            "if [ -f \"$reg/nodes\" ]; then",
            "  while read -r p0 d; do",
            "    p=''",
            "    [ -f \"$d/postmaster.pid\" ] && p=$(head -n 1 \"$d/postmaster.pid\")",
            "    if [ -z \"$p\" ] && [ \"$p0\" != 0 ] && tr '\\0' ' ' < /proc/$p0/cmdline 2>/dev/null | grep -qF -- \"$d\"; then p=$p0; fi",
            "    [ -n \"$p\" ] || continue",
            "    pkill -CONT -P \"$p\" 2>/dev/null; kill -CONT \"$p\" 2>/dev/null; kill -QUIT \"$p\" 2>/dev/null",
            "    pids=\"$pids $p\"",
            "  done < \"$reg/nodes\"",
            "fi",
            "if [ -n \"$pids\" ]; then",
            "  sleep 3",
            "  for p in $pids; do pkill -KILL -P \"$p\" 2>/dev/null; kill -KILL \"$p\" 2>/dev/null; done",
            "fi",
            "if [ -f \"$reg/cleanup\" ]; then",
            "  while read -r d; do [ -n \"$d\" ] && rm -rf \"$d\"; done < \"$reg/cleanup\"",
            "fi",
            "rm -rf \"$reg\"",
            "");

    private NodeRegistry() {}

    /** A per-JVM scratch directory (template, registry files), removed when the JVM exits. */
    static synchronized Path runtimeDir() {
        if (runtimeDir == null) {
            try {
                runtimeDir = Files.createTempDirectory(
                        "pgactive-harness-" + ProcessHandle.current().pid() + "-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            installHooks();
        }
        return runtimeDir;
    }

    static synchronized void register(PgNode node) {
        runtimeDir();
        RUNNING.add(node);
        writeList(
                "nodes",
                RUNNING.stream()
                        .map(n -> n.lastPid() + " " + n.dataDir().toAbsolutePath())
                        .toList());
    }

    static synchronized void unregister(PgNode node) {
        if (RUNNING.remove(node)) {
            writeList(
                    "nodes",
                    RUNNING.stream()
                            .map(n -> n.lastPid() + " " + n.dataDir().toAbsolutePath())
                            .toList());
        }
    }

    /** Deletes {@code dir} when the JVM exits, even when it is killed. */
    static synchronized void cleanupOnExit(Path dir) {
        runtimeDir();
        CLEANUP.add(dir.toAbsolutePath());
        writeList("cleanup", CLEANUP.stream().map(Path::toString).toList());
    }

    static synchronized void forgetCleanup(Path dir) {
        if (CLEANUP.remove(dir.toAbsolutePath())) {
            writeList("cleanup", CLEANUP.stream().map(Path::toString).toList());
        }
    }

    static synchronized List<PgNode> running() {
        return new ArrayList<>(RUNNING);
    }

    private static void writeList(String file, List<String> lines) {
        try {
            Path tmp = runtimeDir.resolve(file + ".tmp");
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            Files.move(
                    tmp, runtimeDir.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void installHooks() {
        if (hooked) {
            return;
        }
        hooked = true;
        Runtime.getRuntime().addShutdownHook(new Thread(NodeRegistry::stopAllNow, "pg-harness-shutdown"));
        try {
            Path script = runtimeDir.resolve("watchdog.sh");
            Files.writeString(script, WATCHDOG, StandardCharsets.UTF_8);
            List<String> cmd = new ArrayList<>();
            // setsid keeps the watchdog out of the JVM's process group, so a group-wide signal does not take it down
            if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
                cmd.add("/usr/bin/setsid");
            }
            cmd.addAll(List.of(
                    "sh",
                    script.toString(),
                    Long.toString(ProcessHandle.current().pid()),
                    runtimeDir.toString()));
            new ProcessBuilder(cmd)
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            // without the watchdog the shutdown hook still covers normal exits
        }
    }

    /** Immediate shutdown of every running node, used when the JVM exits. */
    static void stopAllNow() {
        List<PgNode> nodes = running();
        List<Long> pids = new ArrayList<>();
        for (PgNode n : nodes) {
            try {
                n.thaw();
            } catch (RuntimeException ignored) {
                // keep going
            }
            OptionalLong pid = n.postmasterPid();
            pid.ifPresent(pids::add);
        }
        synchronized (NodeRegistry.class) {
            RUNNING.clear();
            if (runtimeDir != null) {
                writeList("nodes", List.of());
            }
        }
        PgNode.signal("QUIT", pids);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (long pid : pids) {
            long left = Math.max(1, deadline - System.nanoTime());
            if (!PgNode.awaitExit(pid, Duration.ofNanos(left))) {
                PgNode.killTree(pid);
            }
        }
    }
}
