package io.pgactive.tools.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * What a service under test runs against (clusters, PgBouncer, Temporal), started in a fresh temporary directory and
 * stopped in reverse order of starting, so clients go before the servers they talk to.
 */
public abstract class ServiceTestResource implements QuarkusTestResourceLifecycleManager {

    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    /** Starts what the tests need in {@code dir}; returns the configuration properties for the service. */
    protected abstract Map<String, String> start(Path dir) throws IOException;

    /** The directory's name prefix, for someone looking at leftovers. */
    protected abstract String name();

    /** Registers {@code part} to be closed on stop, before everything registered earlier; returns it. */
    protected <T extends AutoCloseable> T closeOnStop(T part) {
        synchronized (started) {
            started.push(part);
        }
        return part;
    }

    @Override
    public final Map<String, String> start() {
        try {
            return start(Files.createTempDirectory(name()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public final void stop() {
        synchronized (started) {
            while (!started.isEmpty()) {
                AutoCloseable part = started.pop();
                try {
                    part.close();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot close " + part, e);
                }
            }
        }
    }
}
