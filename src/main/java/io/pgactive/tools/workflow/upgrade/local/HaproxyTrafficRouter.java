package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.workflow.gate.PgBouncerWriteGate;
import io.pgactive.tools.workflow.gate.WriteGateException;
import io.pgactive.tools.workflow.upgrade.Pinned;
import io.pgactive.tools.workflow.upgrade.TrafficRouter;
import io.pgactive.tools.workflow.upgrade.TrafficSplit;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.vertx.mutiny.core.Vertx;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Moves the application's connections with HAProxy's runtime API, with PgBouncer in front to hold clients.
 *
 * <p>Topology: clients → PgBouncer (transaction pooling) → HAProxy (TCP, {@code balance roundrobin}) → source or
 * target. The weights of the backend's two servers are the split in percent (source {@code 100 - p}, target
 * {@code p}), so a 25 % shift sends exactly one new connection in four to the target; existing sessions stay where
 * they are. PgBouncer's server connections are new connections to HAProxy, so pools follow the split as they
 * reconnect ({@link #closeStaleSessions()} makes them, {@code PAUSE} does at a cutover).
 *
 * <p>A cutover is {@code hold} (PgBouncer {@code PAUSE}: running transactions end, new ones wait in PgBouncer, its
 * server connections are closed), {@code shift(100)}, {@code release} ({@code RESUME}: waiting clients go on over new
 * server connections, which HAProxy now sends to the target). Clients see a delay, not an error.
 *
 * <p>Every method reads the state back from HAProxy (and PgBouncer) and returns that; nothing is cached here, so a
 * new instance after a restart sees what an earlier one did. A {@link #pinned()} router keeps its PgBouncer console
 * login open between calls; it caches connections, not state.
 */
public final class HaproxyTrafficRouter implements TrafficRouter {

    private static final Duration POLL = Duration.ofMillis(100);

    private final HaproxyRouterSettings settings;
    private final HaproxyRuntimeApi api;
    private final Vertx vertx;
    /** A pinned router's PgBouncer console session, kept open until the pin is released; null otherwise. */
    private final PgBouncerWriteGate.Session console;

    public HaproxyTrafficRouter(HaproxyRouterSettings settings, Vertx vertx) {
        this(settings, new HaproxyRuntimeApi(settings.adminSocket(), settings.commandTimeout()), vertx, false);
    }

    private HaproxyTrafficRouter(
            HaproxyRouterSettings settings, HaproxyRuntimeApi api, Vertx vertx, boolean keepConsoleOpen) {
        this.settings = settings;
        this.api = api;
        this.vertx = vertx;
        this.console = keepConsoleOpen && settings.pgbouncerAdmin().isPresent()
                ? gate(settings.commandTimeout()).open()
                : null;
    }

    /** One PgBouncer console login for the pin's whole life (HAProxy's runtime API has no login to save). */
    @Override
    public Pinned<TrafficRouter> pinned() {
        HaproxyTrafficRouter pinned = new HaproxyTrafficRouter(settings, api, vertx, true);
        return new Pinned<>(pinned, () -> {
            if (pinned.console != null) {
                pinned.console.close();
            }
        });
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public TrafficSplit attach(DatabaseRef target) {
        String address = resolve(target.host());
        HaproxyRuntimeApi.ServerState current = server(settings.targetServer());
        boolean attached =
                !current.maintenance() && current.address().equals(address) && current.port() == target.port();
        if (!attached) {
            // no weight before it takes connections, so attaching never moves traffic
            api.command("set server " + path(settings.targetServer()) + " weight 0");
            api.command("set server " + path(settings.targetServer()) + " addr " + address + " port " + target.port());
            api.command("set server " + path(settings.targetServer()) + " state ready");
        }
        return split();
    }

    @Override
    public TrafficSplit split() {
        Map<String, HaproxyRuntimeApi.ServerState> servers = api.servers(settings.backend());
        HaproxyRuntimeApi.ServerState source = require(servers, settings.sourceServer());
        HaproxyRuntimeApi.ServerState target = require(servers, settings.targetServer());
        int toSource = source.effectiveWeight();
        int toTarget = target.effectiveWeight();
        int percent = toSource + toTarget == 0 ? 0 : (int) Math.round(100.0 * toTarget / (toSource + toTarget));
        StringBuilder detail = new StringBuilder("haproxy ")
                .append(settings.backend())
                .append('/')
                .append(source.describe())
                .append(", ")
                .append(settings.backend())
                .append('/')
                .append(target.describe());
        if (toSource + toTarget == 0) {
            detail.append(" (no server takes new connections)");
        }
        boolean held = false;
        if (settings.pgbouncerAdmin().isPresent()) {
            GateState state = console != null
                    ? console.state()
                    : gate(settings.commandTimeout()).state();
            held = state != GateState.OPEN;
            detail.append("; pgbouncer ")
                    .append(settings.pgbouncerDatabase())
                    .append(' ')
                    .append(state.name().toLowerCase(Locale.ROOT));
        }
        return new TrafficSplit(percent, held, detail.toString());
    }

    @Override
    public TrafficSplit shift(int targetPercent) {
        if (targetPercent < 0 || targetPercent > 100) {
            throw new UpgradeException("traffic share must be within 0..100: " + targetPercent, false);
        }
        HaproxyRuntimeApi.ServerState target = server(settings.targetServer());
        if (target.maintenance() && targetPercent > 0) {
            throw new UpgradeException(
                    "route " + name() + ": the target is not attached (server " + path(settings.targetServer())
                            + " is in maintenance)",
                    false);
        }
        String toTarget = "set server " + path(settings.targetServer()) + " weight " + targetPercent;
        String toSource = "set server " + path(settings.sourceServer()) + " weight " + (100 - targetPercent);
        // the side that gains goes first, so the two weights are never both zero in between
        if (targetPercent > target.weight()) {
            api.command(toTarget);
            api.command(toSource);
        } else {
            api.command(toSource);
            api.command(toTarget);
        }
        TrafficSplit now = split();
        // PgBouncer keeps its server connections for server_lifetime: without a reconnect the pooled clients would
        // stay where they were, and a traffic step would move nothing but direct connections. While held, the pause
        // has closed them already.
        if (targetPercent != target.weight() && !now.held()) {
            reconnectPools();
        }
        return now;
    }

    @Override
    public TrafficSplit hold(Duration timeout) {
        try {
            if (console != null) {
                console.pause(timeout);
            } else {
                gate(timeout).pause();
            }
        } catch (WriteGateException e) {
            throw new UpgradeException("route " + name() + ": " + e.getMessage(), true);
        }
        return split();
    }

    @Override
    public TrafficSplit release() {
        try {
            if (console != null) {
                console.resume();
            } else {
                gate(settings.commandTimeout()).resume();
            }
        } catch (WriteGateException e) {
            throw new UpgradeException("route " + name() + ": " + e.getMessage(), true);
        }
        return split();
    }

    @Override
    public void closeStaleSessions() {
        TrafficSplit now = split();
        String stale = now.targetPercent() == 100
                ? settings.sourceServer()
                : now.targetPercent() == 0 ? settings.targetServer() : null;
        if (stale == null) {
            return; // both sides take new connections: nothing is stale
        }
        if (api.currentSessions(settings.backend(), stale) == 0) {
            // nothing left there (after a hold, whose pause closed the pooled connections): no reconnect, which would
            // also close the connections the released clients just opened on the new side
            return;
        }
        reconnectPools();
        // pooled server connections close as their transactions end; whatever is still open then is ended
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        while (api.currentSessions(settings.backend(), stale) > 0 && System.nanoTime() < deadline) {
            pause();
        }
        api.command("shutdown sessions server " + path(stale));
    }

    @Override
    public TrafficSplit detach() {
        api.command("set server " + path(settings.sourceServer()) + " state ready");
        api.command("set server " + path(settings.sourceServer()) + " weight 100");
        api.command("set server " + path(settings.targetServer()) + " weight 0");
        api.command("set server " + path(settings.targetServer()) + " state maint");
        api.command("shutdown sessions server " + path(settings.targetServer()));
        return split();
    }

    // ------------------------------------------------------------------ helpers

    private void reconnectPools() {
        if (console != null) {
            try {
                console.reconnect();
            } catch (WriteGateException e) {
                throw new UpgradeException("route " + name() + ": " + e.getMessage(), true);
            }
            return;
        }
        if (settings.pgbouncerAdmin().isPresent()) {
            try (PgBouncerWriteGate.Session session =
                    gate(settings.commandTimeout()).open()) {
                session.reconnect();
            } catch (WriteGateException e) {
                throw new UpgradeException("route " + name() + ": " + e.getMessage(), true);
            }
        }
    }

    private PgBouncerWriteGate gate(Duration timeout) {
        Dsn admin = settings.pgbouncerAdmin()
                .orElseThrow(() -> new UpgradeException(
                        "route " + name() + " has no PgBouncer in front of HAProxy: clients cannot be held", false));
        return new PgBouncerWriteGate(name(), admin, settings.pgbouncerDatabase(), vertx, timeout);
    }

    private HaproxyRuntimeApi.ServerState server(String name) {
        return require(api.servers(settings.backend()), name);
    }

    private HaproxyRuntimeApi.ServerState require(Map<String, HaproxyRuntimeApi.ServerState> servers, String name) {
        return Optional.ofNullable(servers.get(name))
                .orElseThrow(() -> new UpgradeException(
                        "HAProxy backend " + settings.backend() + " has no server " + name, false));
    }

    private String path(String server) {
        return settings.backend() + "/" + server;
    }

    /** The runtime API takes addresses, not names. */
    private static String resolve(String host) {
        try {
            return InetAddress.getByName(host).getHostAddress();
        } catch (UnknownHostException e) {
            throw new UpgradeException("cannot resolve " + host + ": " + e.getMessage(), true, e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpgradeException("interrupted while sessions drained", true, e);
        }
    }
}
