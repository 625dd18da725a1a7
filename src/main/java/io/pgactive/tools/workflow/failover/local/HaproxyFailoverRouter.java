package io.pgactive.tools.workflow.failover.local;

import io.pgactive.tools.workflow.failover.FailoverRouter;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.pgactive.tools.workflow.upgrade.local.HaproxyRuntimeApi;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Re-points a HAProxy TCP backend whose servers are the database nodes, through HAProxy's runtime API. A server is
 * found by the address it points at, not by name, so the router needs no naming convention and a repeated call after a
 * restart finds what an earlier one did. Fencing puts the node's servers in maintenance (no new connections) and ends
 * their sessions; re-pointing reuses the server already pointing at the new primary, or takes over a server in
 * maintenance, and puts every other server of the backend in maintenance: one writer behind the router.
 */
public final class HaproxyFailoverRouter implements FailoverRouter {

    private final HaproxyRuntimeApi api;
    private final String backend;

    public HaproxyFailoverRouter(Path adminSocket, String backend, Duration commandTimeout) {
        this.api = new HaproxyRuntimeApi(adminSocket, commandTimeout);
        this.backend = HaproxyRuntimeApi.requireName("backend", backend);
    }

    @Override
    public String fence(String node, String host, int port) {
        String address = resolve(host);
        List<String> fenced = new ArrayList<>();
        for (HaproxyRuntimeApi.ServerState s : api.servers(backend).values()) {
            if (s.address().equals(address) && s.port() == port) {
                api.command("set server " + backend + "/" + s.name() + " state maint");
                api.command("shutdown sessions server " + backend + "/" + s.name());
                fenced.add(s.name());
            }
        }
        return fenced.isEmpty()
                ? "haproxy " + backend + " has no server for " + node + " (nothing to fence)"
                : "haproxy " + backend + "/" + String.join(",", fenced) + " in maintenance, sessions ended (" + node
                        + ")";
    }

    @Override
    public String unfence(String node, String host, int port) {
        String address = resolve(host);
        for (HaproxyRuntimeApi.ServerState s : api.servers(backend).values()) {
            if (s.address().equals(address) && s.port() == port) {
                api.command("set server " + backend + "/" + s.name() + " state ready");
            }
        }
        return describe();
    }

    @Override
    public String repoint(String node, String host, int port) {
        String address = resolve(host);
        Map<String, HaproxyRuntimeApi.ServerState> servers = api.servers(backend);
        HaproxyRuntimeApi.ServerState chosen = servers.values().stream()
                .filter(s -> s.address().equals(address) && s.port() == port)
                .findFirst()
                .or(() -> servers.values().stream()
                        .filter(HaproxyRuntimeApi.ServerState::maintenance)
                        .findFirst())
                .orElseThrow(() -> new UpgradeException(
                        "haproxy " + backend + " has no server pointing at " + node
                                + " and none in maintenance to take over",
                        false));
        // the others go first: never two servers taking connections at once
        for (HaproxyRuntimeApi.ServerState s : servers.values()) {
            if (!s.name().equals(chosen.name()) && !s.maintenance()) {
                api.command("set server " + backend + "/" + s.name() + " state maint");
                api.command("shutdown sessions server " + backend + "/" + s.name());
            }
        }
        String path = backend + "/" + chosen.name();
        if (!chosen.address().equals(address) || chosen.port() != port) {
            api.command("set server " + path + " addr " + address + " port " + port);
        }
        api.command("set server " + path + " weight 100");
        api.command("set server " + path + " state ready");
        return describe();
    }

    private String describe() {
        List<String> parts = new ArrayList<>();
        api.servers(backend).values().forEach(s -> parts.add(s.describe()));
        return "haproxy " + backend + ": " + String.join(", ", parts);
    }

    private static String resolve(String host) {
        try {
            return InetAddress.getByName(host).getHostAddress();
        } catch (UnknownHostException e) {
            throw new UpgradeException("cannot resolve " + host + ": " + e.getMessage(), true, e);
        }
    }
}
