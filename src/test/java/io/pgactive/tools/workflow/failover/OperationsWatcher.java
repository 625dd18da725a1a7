package io.pgactive.tools.workflow.failover;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgactive.tools.sdk.WatchClient;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@code /watch} subscriber that keeps every state one operation was seen in, version by version. */
final class OperationsWatcher implements AutoCloseable {

    /** How {@code id} looked at {@code version}; {@code fromDelta} when that version came as a delta. */
    record Seen(long version, boolean fromDelta, String step, String state, List<String> nodes) {}

    private final String id;
    private final WatchClient watch;
    private final Thread thread;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile long firstVersion = -1;

    OperationsWatcher(URI server, String id) {
        this.id = id;
        this.watch = WatchClient.builder(server).build();
        this.thread = new Thread(this::run, "watch-" + id);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            watch.run(update -> {
                if (firstVersion < 0) {
                    firstVersion = update.version();
                }
                boolean fromDelta = !update.reset() && update.version() > firstVersion;
                for (JsonNode op : update.state().path("operations")) {
                    if (id.equals(op.path("id").asText())) {
                        Seen s = new Seen(
                                update.version(),
                                fromDelta,
                                op.path("step").asText(),
                                op.path("state").asText(),
                                textList(op.path("nodes")));
                        if (seen.isEmpty() || !same(seen.get(seen.size() - 1), s)) {
                            seen.add(s);
                        }
                    }
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> textList(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    private static boolean same(Seen a, Seen b) {
        return a.step().equals(b.step()) && a.state().equals(b.state());
    }

    long firstVersion() {
        return firstVersion;
    }

    /** Each distinct (step, state) the operation was seen in, in order. */
    List<Seen> seen() {
        return List.copyOf(seen);
    }

    @Override
    public void close() throws InterruptedException {
        watch.close();
        thread.join(10_000);
    }
}
