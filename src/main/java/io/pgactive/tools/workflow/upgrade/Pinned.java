package io.pgactive.tools.workflow.upgrade;

/**
 * A port that keeps its connections open between calls until closed: a cutover holds the application's clients while
 * it runs a handful of statements and router commands, and a login per step would add to their wait.
 *
 * @param port    the port to call; the same as the original where the implementation keeps nothing open
 * @param release closes what the port kept open; never throws
 */
public record Pinned<T>(T port, Runnable release) implements AutoCloseable {

    /** A port that keeps nothing open. */
    public static <T> Pinned<T> unpinned(T port) {
        return new Pinned<>(port, () -> {});
    }

    @Override
    public void close() {
        release.run();
    }
}
