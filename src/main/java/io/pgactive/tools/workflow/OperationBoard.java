package io.pgactive.tools.workflow;

import io.pgactive.tools.contract.snapshot.Operation;
import io.pgactive.tools.contract.snapshot.Operation.OperationState;
import io.pgactive.tools.snapshot.Operations;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The service's memory of the operations its workflows run, filled by their activities as they record steps (which
 * run in this service) and read by the collector once per cycle. No call to the workflow engine: a cycle must not
 * wait for it, and during an outage it may be away. Finished operations stay for {@link #KEEP_FINISHED}, at most
 * {@link #CAPACITY} entries in all.
 */
@ApplicationScoped
public class OperationBoard implements Operations {

    /** Long enough for a client that reconnects after a break to see how an operation ended. */
    public static final Duration KEEP_FINISHED = Duration.ofMinutes(10);
    /** Bounds the snapshot's block; running operations are never dropped for finished ones. */
    public static final int CAPACITY = 32;
    /** Step messages can carry a whole error chain; the history keeps it in full. */
    static final int MESSAGE_LIMIT = 500;

    /** By workflow id, in order of last update; guarded by this. */
    private final Map<String, Operation> byId = new LinkedHashMap<>();

    /**
     * Records that operation {@code id} reached {@code step}.
     *
     * @param canBegin whether this step may be the first of a run: then, after a finished run, it starts a new one
     *     (the same id runs again: a failover rerun, a second resync of a node); otherwise it continues the last run
     */
    public synchronized void update(
            String kind,
            String id,
            List<String> nodes,
            String step,
            OperationState state,
            boolean canBegin,
            Instant at,
            String message) {
        Operation before = byId.remove(id);
        boolean fresh = before == null || (before.state().finished() && canBegin);
        Instant startedAt = fresh ? at : before.startedAt();
        List<String> known = before == null || nodes.size() >= before.nodes().size() ? nodes : before.nodes();
        byId.put(id, new Operation(kind, id, known, step, state, startedAt, at, shorten(message)));
        evict(at);
    }

    @Override
    public synchronized List<Operation> current(Instant now) {
        evict(now);
        List<Operation> ops = new ArrayList<>(byId.values());
        ops.sort((a, b) -> a.startedAt().compareTo(b.startedAt()));
        return ops;
    }

    private void evict(Instant now) {
        Instant cutoff = now.minus(KEEP_FINISHED);
        byId.values().removeIf(o -> o.state().finished() && o.updatedAt().isBefore(cutoff));
        Iterator<Operation> oldest = byId.values().iterator();
        while (byId.size() > CAPACITY && oldest.hasNext()) {
            if (oldest.next().state().finished()) {
                oldest.remove();
            }
        }
    }

    private static String shorten(String message) {
        if (message == null || message.length() <= MESSAGE_LIMIT) {
            return message;
        }
        return message.substring(0, MESSAGE_LIMIT - 3) + "...";
    }
}
