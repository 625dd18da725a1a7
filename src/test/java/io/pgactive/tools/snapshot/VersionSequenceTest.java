package io.pgactive.tools.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionSequenceTest {

    @TempDir
    Path dir;

    @Test
    void versionsNeverRepeatAcrossRestartsEvenWithoutCleanShutdown() {
        Path file = dir.resolve("snapshot-version");
        VersionSequence first = new VersionSequence(file, 10);
        long last = 0;
        for (int i = 0; i < 25; i++) {
            long v = first.next();
            assertThat(v).isEqualTo(last + 1);
            last = v;
        }
        // no close(): a crash right now must not lead to reuse
        VersionSequence second = new VersionSequence(file, 10);
        assertThat(second.current()).isGreaterThanOrEqualTo(last);
        assertThat(second.next()).isGreaterThan(last);
    }

    @Test
    void writesOncePerBlock() throws Exception {
        Path file = dir.resolve("v");
        VersionSequence seq = new VersionSequence(file, 100);
        seq.next();
        assertThat(Files.readString(file).strip()).isEqualTo("100");
        for (int i = 0; i < 99; i++) {
            seq.next();
        }
        assertThat(Files.readString(file).strip()).isEqualTo("100");
        assertThat(seq.next()).isEqualTo(101);
        assertThat(Files.readString(file).strip()).isEqualTo("200");
    }

    @Test
    void refusesToGuessFromACorruptMark() throws Exception {
        Path file = dir.resolve("v");
        Files.writeString(file, "not a number");
        assertThatThrownBy(() -> new VersionSequence(file, 10)).hasMessageContaining("refusing to start");
    }
}
