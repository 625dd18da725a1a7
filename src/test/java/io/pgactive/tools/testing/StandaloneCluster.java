package io.pgactive.tools.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 *
 * <p>With {@link #withTls()} every node also accepts TLS, with a server certificate for {@code localhost} and
 * {@code 127.0.0.1} signed by a CA made for the class ({@link #certificates()}); plain connections stay accepted, so
 * the harness's own JDBC connections work unchanged.
 */
public final class StandaloneCluster implements BeforeAllCallback, AfterAllCallback {

    private final int nodes;
    private boolean tls;
    private Class<?> owner;
    private Path dir;
    private PgCluster cluster;
    private TestCertificates certificates;

    /** One node, node1. */
    public StandaloneCluster() {
        this(1);
    }

    public StandaloneCluster(int nodes) {
        this.nodes = nodes;
    }

    /** Starts the nodes with {@code ssl = on}. */
    public StandaloneCluster withTls() {
        tls = true;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (owner != null) {
            return; // a @Nested class shares its enclosing class's cluster
        }
        owner = context.getRequiredTestClass();
        dir = Files.createTempDirectory(context.getRequiredTestClass().getSimpleName());
        cluster = PgCluster.standalone(nodes, dir.resolve("cluster"));
        if (tls) {
            certificates = TestCertificates.create(dir.resolve("tls"));
            for (PgNode n : cluster.nodes()) {
                enableTls(n, certificates);
            }
        }
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
            certificates = null;
            if (dir != null) {
                deleteTree(dir);
                dir = null;
            }
        }
    }

    /**
     * A reload is enough to turn TLS on, for the connections accepted once the postmaster has read the new settings;
     * a key or certificate it cannot load leaves TLS off with only a line in the log, so the harness's own connection
     * (the JDBC driver prefers TLS) must show it is encrypted.
     */
    private static void enableTls(PgNode node, TestCertificates certs) {
        node.execute("ALTER SYSTEM SET ssl_cert_file = '" + certs.serverCert() + "'");
        node.execute("ALTER SYSTEM SET ssl_key_file = '" + certs.serverKey() + "'");
        node.execute("ALTER SYSTEM SET ssl = on");
        node.execute("SELECT pg_reload_conf()");
        await("TLS on " + node.name())
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> "true"
                        .equals(node.queryString("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()")));
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

    /** The CA and server certificate of a cluster started {@link #withTls()}. */
    public TestCertificates certificates() {
        if (!tls) {
            throw new IllegalStateException("the cluster was not started withTls()");
        }
        return started(certificates);
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
