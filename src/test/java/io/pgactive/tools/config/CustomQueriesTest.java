package io.pgactive.tools.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CustomQueriesTest {

    @TempDir
    Path dir;

    @Test
    void parsesHeaderAndStatement() {
        CustomQuery q = CustomQueries.parse(Path.of("slots.sql"), """
                -- help: WAL kept by slots
                -- labels: slot_name
                -- values: retained:gauge:bytes, restarts:counter
                -- min_server_version: 16
                -- role: primary
                -- timeout: 250ms

                SELECT slot_name, 1 AS retained, 2 AS restarts FROM pg_replication_slots;
                """);
        assertThat(q.name()).isEqualTo("slots");
        assertThat(q.help()).isEqualTo("WAL kept by slots");
        assertThat(q.labels()).containsExactly("slot_name");
        assertThat(q.values())
                .containsExactly(
                        new CustomQuery.Value("retained", CustomQuery.Type.GAUGE, "bytes"),
                        new CustomQuery.Value("restarts", CustomQuery.Type.COUNTER, null));
        assertThat(q.minServerVersion()).isEqualTo(160000);
        assertThat(q.role()).isEqualTo(CustomQuery.Role.PRIMARY);
        assertThat(q.timeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(q.sql()).isEqualTo("SELECT slot_name, 1 AS retained, 2 AS restarts FROM pg_replication_slots");
        assertThat(q.appliesTo(160000, false)).isTrue();
        assertThat(q.appliesTo(150000, false)).isFalse();
        assertThat(q.appliesTo(170000, true)).isFalse();
    }

    @Test
    void malformedFilesNameFileAndKey() {
        Path f = Path.of("bad.sql");
        assertThatThrownBy(() -> CustomQueries.parse(f, "-- help: x\nSELECT 1"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad.sql: values: is required");
        assertThatThrownBy(() -> CustomQueries.parse(f, "-- values: a:histogram\nSELECT 1 a"))
                .hasMessageContaining("values")
                .hasMessageContaining("gauge or counter");
        assertThatThrownBy(() -> CustomQueries.parse(f, "-- values: a:gauge\n-- colour: red\nSELECT 1 a"))
                .hasMessageContaining("colour: unknown header key");
        assertThatThrownBy(() -> CustomQueries.parse(f, "-- values: a:gauge\n"))
                .hasMessageContaining("no SQL statement");
        assertThatThrownBy(() -> CustomQueries.parse(f, "-- values: a:gauge\nSELECT 1 a; DROP TABLE t"))
                .hasMessageContaining("exactly one SQL statement");
        assertThatThrownBy(() -> CustomQueries.parse(f, "-- values: a:gauge\n-- role: leader\nSELECT 1 a"))
                .hasMessageContaining("role");
        assertThatThrownBy(() -> CustomQueries.parse(f, "-- values: a:gauge\n-- min_server_version: new\nSELECT 1 a"))
                .hasMessageContaining("min_server_version");
        assertThatThrownBy(() -> CustomQueries.parse(f, "-- values: a:gauge\n-- labels: a\nSELECT 1 a"))
                .hasMessageContaining("also a label");
    }

    @Test
    void loadsAFolderAndRejectsDuplicates() throws Exception {
        Files.writeString(dir.resolve("a.sql"), "-- values: n:gauge\nSELECT 1 AS n");
        Files.writeString(dir.resolve("a@160000.sql"), "-- values: n:gauge\n-- min_server_version: 16\nSELECT 2 AS n");
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        assertThat(CustomQueries.load(dir))
                .extracting(CustomQuery::name, CustomQuery::minServerVersion)
                .containsExactly(Tuple.tuple("a", 0), Tuple.tuple("a", 160000));
        Files.writeString(dir.resolve("b.sql"), "-- name: a\n-- values: n:gauge\nSELECT 3 AS n");
        assertThatThrownBy(() -> CustomQueries.load(dir)).hasMessageContaining("duplicates a.sql");
        assertThat(CustomQueries.load(dir.resolve("absent"))).isEmpty();
    }

    @Test
    void shippedExamplesAreValid() {
        assertThat(CustomQueries.load(Path.of("config/queries")))
                .extracting(CustomQuery::name)
                .contains("long_running_xacts", "slot_retained_wal", "slots_at_risk");
    }
}
