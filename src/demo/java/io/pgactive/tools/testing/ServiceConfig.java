package io.pgactive.tools.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes the tools.yaml a service under test reads: the given nodes, collector settings, and a database in dir. */
public final class ServiceConfig {

    private ServiceConfig() {}

    /**
     * @param collectorSettings YAML lines for the {@code collector} section besides {@code nodes}, e.g.
     *                          {@code "interval: 500ms\nbackoff_max: 1s\n"}
     * @return the written file
     */
    public static Path write(Path dir, List<PgNode> nodes, String collectorSettings) {
        return write(dir, nodes, collectorSettings, "");
    }

    /** @param otherSections further top-level YAML, e.g. a {@code thresholds:} section */
    public static Path write(Path dir, List<PgNode> nodes, String collectorSettings, String otherSections) {
        StringBuilder yaml = new StringBuilder("collector:\n")
                .append(collectorSettings.indent(2))
                .append("  nodes:\n");
        for (PgNode n : nodes) {
            yaml.append("    - { name: ")
                    .append(n.name())
                    .append(", dsn: \"")
                    .append(n.dsn())
                    .append("\" }\n");
        }
        yaml.append(otherSections)
                .append("database:\n  path: ")
                .append(dir.resolve("data/replication_state.db"))
                .append('\n');
        Path config = dir.resolve("tools.yaml");
        try {
            Files.createDirectories(dir);
            Files.writeString(config, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return config;
    }
}
