package io.pgactive.tools.config;

import io.pgactive.tools.config.credentials.SecretRef;
import java.util.Optional;

/** Where a node's password comes from when the collector connects. */
public sealed interface NodeAuth {

    /** The DSN's own password, or none (trust, a password file of the server's user, a client certificate). */
    record Inline() implements NodeAuth {}

    /**
     * A referenced password, read when connecting and again when the server refuses it (rotation).
     *
     * @param wholeDsn the reference holds a whole DSN (a connection string or an RDS-managed secret's JSON), whose
     *                 password is taken
     */
    record Password(SecretRef ref, boolean wholeDsn) implements NodeAuth {}

    /**
     * An RDS IAM authentication token as the password, generated with the default AWS credentials chain.
     *
     * @param region empty: the SDK's default region chain
     */
    record Iam(Optional<String> region) implements NodeAuth {}

    NodeAuth INLINE = new Inline();

    /** What a log line may say about it. */
    default String describe() {
        if (this instanceof Password p) {
            return "password from " + p.ref();
        }
        if (this instanceof Iam) {
            return "RDS IAM token";
        }
        return "password in the DSN";
    }
}
