package io.pgactive.tools.snapshot;

import io.pgactive.tools.contract.snapshot.Operation;
import java.time.Instant;
import java.util.List;

/**
 * Where the collector reads the running operations it puts into each snapshot. The workflows' side implements it; it
 * is read once per cycle, off the event loop, and must answer from memory.
 */
@FunctionalInterface
public interface Operations {

    Operations NONE = now -> List.of();

    /** Running operations and those finished recently, oldest first. */
    List<Operation> current(Instant now);
}
