package io.pgactive.tools.store;

import static io.pgactive.tools.store.StoreTestSupport.count;
import static io.pgactive.tools.store.StoreTestSupport.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.snapshot.VersionSequence;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a JVM that is writing history hard: the file opens cleanly, at most the last second of samples
 * is missing, and the next version is above every version the dead process published.
 */
class CrashTest {

    @TempDir
    Path dir;

    @Test
    void killDashNineDuringHeavyWritesLosesAtMostTheLastSecondAndNoVersionIsReused() throws Exception {
        Path file = dir.resolve("replication_state.db");
        long lastVersion = 0;
        for (int round = 0; round < 2; round++) {
            String java = ProcessHandle.current().info().command().orElse("java");
            // 50 nodes every 20 ms: 2,500 samples/s, far above a real deployment's rate
            Process child = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            CrashWriter.class.getName(),
                            file.toString(),
                            "50",
                            "20")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            List<Long> published = new ArrayList<>();
            long lastAt = 0;
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                boolean killed = false;
                while ((line = out.readLine()) != null) {
                    String[] p = line.split(" ");
                    if (!p[0].equals("P")) {
                        continue;
                    }
                    long v = Long.parseLong(p[1]);
                    assertThat(v).as("versions of a restarted process").isGreaterThan(lastVersion);
                    lastVersion = v;
                    lastAt = Long.parseLong(p[2]);
                    published.add(v);
                    if (!killed && published.size() >= 400) {
                        // SIGKILL: no shutdown hook, no final flush; not destroyForcibly(), which also closes our
                        // end of the pipe and would hide what the child printed last
                        assertThat(new ProcessBuilder("kill", "-9", Long.toString(child.pid()))
                                        .start()
                                        .waitFor())
                                .isZero();
                        killed = true;
                    }
                }
            }
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isEqualTo(137);

            assertThat(query(file, "PRAGMA integrity_check")).containsExactly(List.of("ok"));
            long storedAt = count(file, "SELECT max(at) FROM node_samples");
            assertThat(lastAt - storedAt).as("samples lost at the crash, ms").isLessThanOrEqualTo(1000);
            // what survived is everything this process published up to some point, without a hole
            List<Long> stored = query(
                            file,
                            "SELECT version FROM snapshots WHERE version BETWEEN ? AND ? ORDER BY version",
                            published.get(0),
                            lastVersion)
                    .stream()
                    .map(row -> ((Number) row.get(0)).longValue())
                    .toList();
            assertThat(stored).as("versions of round %d in the file", round).isNotEmpty();
            assertThat(stored).isEqualTo(published.subList(0, stored.size()));
            try (HistoryDb db = HistoryDb.open(file)) {
                assertThat(new VersionSequence(db.versionMark(0), 100).next()).isGreaterThan(lastVersion);
            }
        }
        // each version once, every stored snapshot with one sample per node
        assertThat(count(file, "SELECT count(DISTINCT version) FROM snapshots"))
                .isEqualTo(count(file, "SELECT count(*) FROM snapshots"));
        assertThat(count(file, "SELECT count(*) FROM node_samples"))
                .isEqualTo(50 * count(file, "SELECT count(*) FROM snapshots"));
    }
}
