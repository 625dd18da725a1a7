package io.pgactive.tools.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgactive.tools.config.ConfigLoader;
import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workflows' ports connect with the password a node's reference holds now, which the configuration never holds. */
class NodeDsnsTest {

    private static final String PASSWORD = "file-Referenced-pw-481";

    @TempDir
    Path dir;

    private ToolsConfig load(Path passwordFile) throws IOException {
        Path yaml = dir.resolve("tools.yaml");
        Files.writeString(yaml, """
                collector:
                  nodes:
                    - { name: node1, dsn: "postgres://monitor@127.0.0.1:5432/postgres", password: "file://PW" }
                    - { name: node2, dsn: "postgres://monitor:inline-pw@127.0.0.1:5433/app" }
                database:
                  path: DB
                """.replace("PW", passwordFile.toString())
                .replace("DB", dir.resolve("state.db").toString()));
        return new ConfigLoader(Map.of()).load(yaml);
    }

    @Test
    void aReferencedPasswordIsReadForThePortsAndAnInlineOneKept() throws IOException {
        Path file = Files.writeString(dir.resolve("pw"), PASSWORD + "\n");
        ToolsConfig config = load(file);
        assertThat(config.collector().nodes().get(0).dsn().password()).isNull();
        try (NodeDsns dsns = new NodeDsns(config)) {
            Dsn node1 = dsns.resolve("node1").orElseThrow();
            assertThat(node1.password()).isEqualTo(PASSWORD);
            assertThat(node1.port()).isEqualTo(5432);
            assertThat(node1.user()).isEqualTo("monitor");
            assertThat(dsns.resolve("node2").orElseThrow().password()).isEqualTo("inline-pw");
            assertThat(dsns.resolve("node3")).isEmpty();
            assertThat(dsns.knows("node1")).isTrue();
            assertThat(dsns.knows("node3")).isFalse();
        }
    }

    @Test
    void aSecretGoneSinceStartFailsTheStepAsRetryableWithoutAnyValue() throws IOException {
        Path file = Files.writeString(dir.resolve("pw"), PASSWORD + "\n");
        ToolsConfig config = load(file);
        Files.delete(file);
        try (NodeDsns dsns = new NodeDsns(config)) {
            assertThatThrownBy(() -> dsns.resolve("node1"))
                    .isInstanceOf(UpgradeException.class)
                    .hasMessageContaining("node1")
                    .hasMessageContaining(file.toString())
                    .hasMessageNotContaining(PASSWORD)
                    .matches(e -> ((UpgradeException) e).retryable());
        }
    }
}
