package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.failover.FailoverRequest;
import io.pgactive.tools.contract.failover.SynchronousStandbysView;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.function.Supplier;

/**
 * Reads and sets a configured node's {@code synchronous_standby_names} for an operator: after a failover that could
 * not set it, or to make the new primary synchronous again once a standby follows it. Blocking (JDBC).
 */
@ApplicationScoped
public class SynchronousStandbysService {

    /** How long a reload of the configuration may take to reach the node's sessions. */
    static final long RELOAD_MILLIS = 10_000;

    private final FailoverPorts ports;

    @Inject
    public SynchronousStandbysService(FailoverPorts ports) {
        this.ports = ports;
    }

    /**
     * @throws IllegalArgumentException a malformed node name
     * @throws NotFoundException         no configured node has the name
     */
    public SynchronousStandbysView read(String node) {
        requireConfigured(node);
        return new SynchronousStandbysView(node, onNode(() -> ports.control().synchronousStandbyNames(node)), null);
    }

    /**
     * Sets {@code names} (empty: none) on {@code node}, each a configured node other than {@code node}.
     *
     * @throws IllegalArgumentException a name that is malformed, not configured, repeated, or the node itself
     * @throws NotFoundException         no configured node is named {@code node}
     */
    public SynchronousStandbysView set(String node, List<String> names) {
        requireConfigured(node);
        List<String> checked;
        try {
            checked = SynchronousStandbys.checked(names == null ? List.of() : names);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("names: " + e.getMessage());
        }
        for (String name : checked) {
            if (name.equals(node)) {
                throw new IllegalArgumentException("names: " + node + " cannot be its own synchronous standby");
            }
            if (ports.dsn(name).isEmpty()) {
                throw new IllegalArgumentException("names: no configured node is named '" + name + "'");
            }
        }
        String before = onNode(() -> ports.control().setSynchronousStandbyNames(node, checked, RELOAD_MILLIS));
        return new SynchronousStandbysView(node, SynchronousStandbys.value(checked), before);
    }

    private void requireConfigured(String node) {
        if (node == null || !node.matches(FailoverRequest.NODE_NAME)) {
            throw new IllegalArgumentException(
                    "node: a node name of 1 to 63 letters, digits, '_', '.' or '-' is required");
        }
        if (ports.dsn(node).isEmpty()) {
            throw new NotFoundException("no configured node is named '" + node + "'");
        }
    }

    /** The node's own failure (unreachable, refused, reload not seen) is the gateway's: 502 with its message. */
    private static String onNode(Supplier<String> call) {
        try {
            return call.get();
        } catch (UpgradeException e) {
            throw new WebApplicationException(e.getMessage(), Response.Status.BAD_GATEWAY);
        }
    }
}
