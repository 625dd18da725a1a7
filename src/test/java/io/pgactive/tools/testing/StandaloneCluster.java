package io.pgactive.tools.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Independent primaries node1..nodeN shared by the tests of one class, in a temporary directory of that class that is
 * deleted afterwards. Register it on a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final StandaloneCluster pg = new StandaloneCluster();
 * }</pre>
 */
public final class StandaloneCluster implements BeforeAllCallback, AfterAllCallback {

    private final int nodes;
    private Class<?> owner;
    private Path dir;
    private PgCluster cluster;

    /** One node, node1. */
    public StandaloneCluster() {
        this(1);
    }

    public StandaloneCluster(int nodes) {
        this.nodes = nodes;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (owner != null) {
            return; // a @Nested class shares its enclosing class's cluster
        }
        owner = context.getRequiredTestClass();
        dir = Files.createTempDirectory(context.getRequiredTestClass().getSimpleName());
        cluster = PgCluster.standalone(nodes, dir.resolve("cluster"));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (owner != context.getRequiredTestClass()) {
            return;
        }
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            owner = null;
            cluster = null;
            if (dir != null) {
                deleteTree(dir);
                dir = null;
            }
        }
    }

    public PgCluster cluster() {
        return started(cluster);
    }

    /** node1. */
    public PgNode node() {
        return cluster().node("node1");
    }

    public PgNode node(String name) {
        return cluster().node(name);
    }

    /** The class's own temporary directory (the cluster lives in its {@code cluster} subdirectory). */
    public Path dir() {
        return started(dir);
    }

    private static <T> T started(T value) {
        if (value == null) {
            throw new IllegalStateException("the cluster is started before all tests of the class and closed after");
        }
        return value;
    }

    /** Best effort: a leftover in the temporary directory is no reason to fail tests that passed. */
    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException ignored) {
            // see above
        }
    }
}
