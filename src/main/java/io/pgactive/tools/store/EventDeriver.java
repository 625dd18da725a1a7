package io.pgactive.tools.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.EventType;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns consecutive snapshots into events. It compares small per-node {@link Facts} rather than whole snapshots, so
 * the state it needs to continue after a restart can be rebuilt from the last stored samples.
 */
public final class EventDeriver {

    /** What events are derived from, per node. Levels are {@code ok}, {@code warn}, {@code crit}. */
    public record Facts(
            NodeStatus status,
            String lagLevel,
            String conflictLevel,
            Boolean walsender,
            Boolean walReceiver,
            Boolean inRecovery) {}

    private final double lagWarn;
    private final double lagCrit;
    private final double conflictsWarn;

    public EventDeriver(double lagSecondsWarn, double lagSecondsCrit, double conflictsWarnPerMinute) {
        this.lagWarn = lagSecondsWarn;
        this.lagCrit = lagSecondsCrit;
        this.conflictsWarn = conflictsWarnPerMinute;
    }

    public Facts facts(NodeState n) {
        NodeMetrics m = n.metrics() == null ? NodeMetrics.EMPTY : n.metrics();
        return new Facts(
                n.status(),
                lagLevel(m.lagSeconds()),
                conflictLevel(m.conflictCount()),
                m.walsenderActive(),
                m.walReceiverActive(),
                m.inRecovery());
    }

    public Map<String, Facts> facts(Snapshot s) {
        Map<String, Facts> out = new TreeMap<>();
        s.nodes().forEach((name, n) -> out.put(name, facts(n)));
        return out;
    }

    String lagLevel(Double lag) {
        if (lag == null) {
            return null;
        }
        return lag >= lagCrit ? "crit" : lag >= lagWarn ? "warn" : "ok";
    }

    String conflictLevel(Integer perMinute) {
        return perMinute == null ? null : perMinute >= conflictsWarn ? "warn" : "ok";
    }

    /**
     * Events from {@code before} (the previous snapshot's facts, empty on the very first one) to {@code next}. A
     * first snapshot yields a join per node, so the event log says when each node was first seen.
     */
    public List<Event> derive(Map<String, Facts> before, NodeStatus clusterBefore, Snapshot next) {
        List<Event> events = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(before.keySet());
        names.addAll(next.nodes().keySet());
        for (String name : names) {
            Facts a = before.get(name);
            NodeState state = next.nodes().get(name);
            if (state == null) {
                events.add(event(next, name, EventType.NODE_LEFT, a.status().name(), null, null));
                continue;
            }
            Facts b = facts(state);
            NodeMetrics m = state.metrics() == null ? NodeMetrics.EMPTY : state.metrics();
            if (a == null) {
                events.add(event(
                        next, name, EventType.NODE_JOINED, null, b.status().name(), json("roles", state.roles())));
                continue;
            }
            if (a.status() != b.status()) {
                events.add(event(
                        next,
                        name,
                        EventType.STATUS,
                        a.status().name(),
                        b.status().name(),
                        state.reasons().isEmpty() && state.error() == null
                                ? null
                                : json("reasons", state.reasons(), "error", state.error())));
            }
            if (changed(a.lagLevel(), b.lagLevel())) {
                events.add(event(
                        next,
                        name,
                        EventType.LAG_THRESHOLD,
                        a.lagLevel(),
                        b.lagLevel(),
                        json("lag_seconds", m.lagSeconds(), "warn", lagWarn, "crit", lagCrit)));
            }
            if (changed(a.conflictLevel(), b.conflictLevel())) {
                events.add(event(
                        next,
                        name,
                        EventType.CONFLICT_THRESHOLD,
                        a.conflictLevel(),
                        b.conflictLevel(),
                        json("conflicts_last_minute", m.conflictCount(), "warn", conflictsWarn)));
            }
            if (changed(a.walsender(), b.walsender())) {
                events.add(event(next, name, EventType.WALSENDER, upDown(a.walsender()), upDown(b.walsender()), null));
            }
            if (changed(a.walReceiver(), b.walReceiver())) {
                events.add(event(
                        next, name, EventType.WALRECEIVER, upDown(a.walReceiver()), upDown(b.walReceiver()), null));
            }
            if (changed(a.inRecovery(), b.inRecovery())) {
                // true -> false is a promotion; false -> true a node rejoining as a standby (a rewind or re-clone)
                events.add(event(next, name, EventType.RECOVERY, role(a.inRecovery()), role(b.inRecovery()), null));
            }
        }
        if (clusterBefore != null && clusterBefore != next.cluster().status()) {
            events.add(event(
                    next,
                    null,
                    EventType.CLUSTER_STATUS,
                    clusterBefore.name(),
                    next.cluster().status().name(),
                    json(
                            "nodes_total",
                            next.cluster().nodesTotal(),
                            "nodes_healthy",
                            next.cluster().nodesHealthy())));
        }
        return events;
    }

    /** Unknown values (a failed first read, a metric this dialect lacks) are no transition. */
    private static boolean changed(Object a, Object b) {
        return a != null && b != null && !a.equals(b);
    }

    private static String upDown(Boolean b) {
        return b ? "up" : "down";
    }

    private static String role(Boolean inRecovery) {
        return inRecovery ? "standby" : "primary";
    }

    private static Event event(Snapshot s, String node, EventType type, String from, String to, String details) {
        return Event.of(s.collectedAt(), s.version(), node, type, from, to, details);
    }

    /** A flat JSON object from alternating keys and values (strings, numbers, booleans, lists of strings). */
    static String json(Object... kv) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                continue;
            }
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append('"').append(kv[i]).append("\":").append(value(kv[i + 1]));
        }
        return sb.append('}').toString();
    }

    private static String value(Object v) {
        if (v instanceof Number || v instanceof Boolean) {
            return v instanceof Double d ? String.format(Locale.ROOT, "%s", d) : v.toString();
        }
        if (v instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            list.forEach(x -> parts.add(value(x)));
            return "[" + String.join(",", parts) + "]";
        }
        try {
            return SnapshotJson.MAPPER.writeValueAsString(v.toString());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
