package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.config.Dsn;
import java.util.Map;
import java.util.Optional;

/**
 * Where the credentials of a node come from: the service's node configuration for a configured source, the
 * provisioner for a target it created. The ports never take credentials from a {@code DatabaseRef}, which travels
 * through workflow history.
 */
@FunctionalInterface
public interface DsnResolver {

    /** How to connect to {@code node} with an administrative role, or empty when the node is unknown. */
    Optional<Dsn> resolve(String node);

    /** Whether {@code node} is one this resolver answers for, without reading any credential. */
    default boolean knows(String node) {
        return resolve(node).isPresent();
    }

    /** Tries this resolver first, then {@code next}. */
    default DsnResolver or(DsnResolver next) {
        return node -> resolve(node).or(() -> next.resolve(node));
    }

    /** A fixed set of nodes. */
    static DsnResolver of(Map<String, Dsn> dsns) {
        Map<String, Dsn> copy = Map.copyOf(dsns);
        return node -> Optional.ofNullable(copy.get(node));
    }
}
