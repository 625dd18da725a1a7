package io.pgactive.tools.config.credentials;

import io.pgactive.tools.config.ToolsConfig;
import java.time.Clock;

/** Hands each node the credential it connects with; one per service, sharing one secret cache. */
public final class Credentials implements AutoCloseable {

    private final SecretStore store;
    private final IamTokens iam;
    private final Clock clock;

    public Credentials(SecretStore store, IamTokens iam, Clock clock) {
        this.store = store;
        this.iam = iam;
        this.clock = clock;
    }

    /** With the configuration's Secrets Manager settings, the process environment and the default AWS chain. */
    public static Credentials of(ToolsConfig config) {
        return new Credentials(new SecretStore(config.secrets(), System.getenv()), new IamTokens(), Clock.systemUTC());
    }

    public NodeCredential forNode(ToolsConfig.NodeConfig node) {
        return new NodeCredential(node.dsn(), node.auth(), store, iam, clock);
    }

    public SecretStore store() {
        return store;
    }

    @Override
    public void close() {
        store.close();
    }
}
