package io.pgactive.tools.workflow;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.config.credentials.Credentials;
import io.pgactive.tools.config.credentials.NodeCredential;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.pgactive.tools.workflow.upgrade.local.DsnResolver;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The configured nodes' DSNs with the password to use now, for the workflows' ports. A password given by reference
 * ({@code secret://}, {@code file://}, {@code ${VAR}}, an IAM token) is not in the configuration: it is read where it
 * lives at each use, as the collector reads it, so a rotated secret reaches the ports too. Ports run on activity
 * threads, where waiting for the read is allowed.
 */
@ApplicationScoped
public class NodeDsns implements DsnResolver, AutoCloseable {

    /** How long a port waits for a secret before the step fails (and is retried by its activity). */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, Dsn> configured = new LinkedHashMap<>();
    private final Map<String, NodeCredential> credentials = new LinkedHashMap<>();
    private final Credentials source;

    @Inject
    public NodeDsns(ToolsConfig config) {
        this(config, Credentials.of(config));
    }

    public NodeDsns(ToolsConfig config, Credentials source) {
        this.source = source;
        for (ToolsConfig.NodeConfig node : config.collector().nodes()) {
            configured.put(node.name(), node.dsn());
            credentials.put(node.name(), source.forNode(node));
        }
    }

    @Override
    public Optional<Dsn> resolve(String node) {
        Dsn dsn = configured.get(node);
        if (dsn == null) {
            return Optional.empty();
        }
        NodeCredential credential = credentials.get(node);
        String password;
        try {
            password = credential.password().await().atMost(READ_TIMEOUT);
        } catch (RuntimeException e) {
            // the message names the reference, never a value
            throw new UpgradeException(
                    node + ": cannot read its password (" + credential.source() + "): " + e.getMessage(), true);
        }
        return Optional.of(new Dsn(dsn.host(), dsn.port(), dsn.database(), dsn.user(), password, dsn.options()));
    }

    @Override
    public boolean knows(String node) {
        return configured.containsKey(node);
    }

    @Override
    @PreDestroy
    public void close() {
        source.close();
    }
}
