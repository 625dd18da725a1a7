package io.pgactive.tools.api.credentials;

import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.ServiceTestResource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Two real nodes whose passwords the service reads from files, as from a mounted Kubernetes Secret: node1's file holds
 * its password, node2's a wrong one, so the service has both a working credential and a refused one to keep quiet about.
 */
public class ReferencedPasswordClusterResource extends ServiceTestResource {

    static final String WRONG_PASSWORD = "Wrong-referenced-pw-5521";
    static volatile List<String> secretValues = List.of();

    @Override
    protected String name() {
        return "referenced-password-test";
    }

    @Override
    protected Map<String, String> start(Path dir) throws IOException {
        PgNode node1 = closeOnStop(PgNode.create("node1", dir.resolve("node1")));
        PgNode node2 = closeOnStop(PgNode.create("node2", dir.resolve("node2")));
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("node1"), node1.password() + "\n");
        Files.writeString(secrets.resolve("node2"), WRONG_PASSWORD + "\n");
        secretValues = List.of(node1.password(), node2.password(), WRONG_PASSWORD);
        String yaml = "collector:\n"
                + "  interval: 1s\n"
                + "  backoff_max: 2s\n"
                + "  nodes:\n"
                + node(node1, secrets.resolve("node1"))
                + node(node2, secrets.resolve("node2"))
                + "database:\n  path: " + dir.resolve("data/replication_state.db") + "\n";
        Path config = dir.resolve("tools.yaml");
        Files.writeString(config, yaml);
        return Map.of("pgactive.tools.config", config.toString());
    }

    /** The node's DSN without its password, and the password as a file reference. */
    private static String node(PgNode node, Path passwordFile) {
        String dsn = node.dsn().replace(":" + node.password() + "@", "@");
        return "    - { name: " + node.name() + ", dsn: \"" + dsn + "\", password: \"file://" + passwordFile + "\" }\n";
    }
}
