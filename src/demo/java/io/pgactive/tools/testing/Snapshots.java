package io.pgactive.tools.testing;

import io.pgactive.tools.contract.snapshot.ClusterSummary;
import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.snapshot.ConflictRecord;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Hand-built snapshots for the store's tests and benchmark: one mutable builder per node, a published snapshot per call. */
public final class Snapshots {

    /** The facts of one node that the store looks at. */
    public static final class Node {
        final String name;
        public NodeStatus status = NodeStatus.HEALTHY;
        public Double lag = 0.5;
        public Boolean walsender = true;
        public Boolean walReceiver;
        public Boolean inRecovery = false;
        public Integer conflictsMinute = 0;
        public long conflictsTotal;
        public int failures;
        /** Peers this node has a pgactive link with, both directions (a full mesh has every other node). */
        public List<String> peers = List.of();

        long position;

        Node(String name) {
            this.name = name;
        }

        NodeState state(Instant at) {
            NodeMetrics m = new NodeMetrics(
                    10L,
                    lag,
                    4096L,
                    walsender,
                    "0/1000",
                    "0/F00",
                    "0/E00",
                    "0/D00",
                    conflictsMinute,
                    conflictsTotal,
                    Map.of("update_update", conflictsTotal),
                    inRecovery,
                    "0/2000",
                    walReceiver,
                    null);
            List<Link> links = new ArrayList<>();
            position += 8192 + (at.toEpochMilli() % 4096);
            for (String peer : peers) {
                String sent = lsn(position);
                String replay = lsn(position - 4096);
                links.add(Link.outbound("pgactive", peer)
                        .state("streaming")
                        .active(true)
                        .lagSeconds(lag)
                        .lagBytes(4096L)
                        .pendingWalDecoding(512L)
                        .pendingWalToApply(4096L)
                        .positions(sent, sent, replay, replay)
                        .stalled(false)
                        .build());
                links.add(Link.inbound("pgactive", peer)
                        .lastAppliedAt(at.minusMillis(300))
                        .applyErrors(0L)
                        .conflicts(conflictsTotal)
                        .build());
            }
            return new NodeState(
                    name,
                    status,
                    List.of("pgactive"),
                    status == NodeStatus.HEALTHY ? List.of() : List.of("test"),
                    at,
                    failures,
                    null,
                    null,
                    at,
                    "16.4",
                    "2.1.9",
                    m,
                    links,
                    Map.of("long_running_xacts", 0),
                    Map.of());
        }
    }

    private static String lsn(long p) {
        return Long.toHexString(p >>> 32).toUpperCase() + "/"
                + Long.toHexString(p & 0xFFFFFFFFL).toUpperCase();
    }

    /** Gives every node a link with every other node, as in a pgactive group. */
    public Snapshots mesh() {
        for (Node n : nodes.values()) {
            n.peers = nodes.keySet().stream().filter(x -> !x.equals(n.name)).toList();
        }
        return this;
    }

    public final Map<String, Node> nodes = new LinkedHashMap<>();
    public Instant now;
    public long version;
    public long stepMillis = 2000;

    public Snapshots(Instant start, long firstVersion, String... names) {
        this.now = start;
        this.version = firstVersion - 1;
        for (String n : names) {
            add(n);
        }
    }

    public Node add(String name) {
        return nodes.computeIfAbsent(name, Node::new);
    }

    public Node node(String name) {
        return nodes.get(name);
    }

    public PublishedSnapshot next(ConflictRecord... conflicts) {
        version++;
        now = now.plusMillis(stepMillis);
        Map<String, NodeState> states = new LinkedHashMap<>();
        NodeStatus worst = NodeStatus.UNKNOWN;
        int healthy = 0;
        Double maxLag = null;
        for (Node n : nodes.values()) {
            states.put(n.name, n.state(now));
            worst = worst.worst(n.status);
            healthy += n.status == NodeStatus.HEALTHY ? 1 : 0;
            maxLag = n.lag == null ? maxLag : maxLag == null ? n.lag : Math.max(maxLag, n.lag);
        }
        Snapshot s = new Snapshot(version, now, new ClusterSummary(worst, nodes.size(), healthy, maxLag), states);
        return new PublishedSnapshot(s, SnapshotJson.encode(s), now, new ArrayList<>(List.of(conflicts)));
    }

    public ConflictRecord conflict(String node, long id, String table) {
        return new ConflictRecord(
                node, id, now, "update_update", "last_update_wins_keep_remote", "public", table, "peer");
    }
}
