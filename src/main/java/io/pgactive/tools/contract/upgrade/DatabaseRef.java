package io.pgactive.tools.contract.upgrade;

import java.util.Objects;

/**
 * A database an upgrade works on: the source (a configured node) or the target (a database the provisioner created).
 *
 * <p>It carries no secret on purpose: it travels through workflow history, events and logs. Implementations of the
 * ports resolve the credentials from {@link #node()} themselves (the service's node configuration for a configured
 * node, the provisioner for a database it created).
 *
 * @param node         the node name the service knows the database by (also its name in the snapshot)
 * @param host         where it listens
 * @param port         its port
 * @param database     the application database replicated by the upgrade
 * @param majorVersion the PostgreSQL major version of the server, e.g. 18
 */
public record DatabaseRef(String node, String host, int port, String database, int majorVersion) {

    public DatabaseRef {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        if (port <= 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** Where it is, for messages: {@code node (host:port/database, PostgreSQL N)}. */
    public String describe() {
        return node + " (" + host + ":" + port + "/" + database + ", PostgreSQL " + majorVersion + ")";
    }
}
