package io.pgactive.tools.testing;

import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.smallrye.mutiny.subscription.Cancellable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * What every published snapshot must satisfy, whatever state the cluster is in. Follow a bus with
 * {@link #following} and assert at the end with {@link #assertNoViolation()}, or call {@link #check} on each version
 * a test sees (for example from {@code /watch} or a demo run):
 * <ul>
 *   <li>versions strictly increase;</li>
 *   <li>every configured node is in every version;</li>
 *   <li>no link from a node to itself;</li>
 *   <li>every link is identifiable: a peer, and no two links of a node with the same kind, direction, peer and slot;</li>
 *   <li>no active link with {@code lag_seconds > 0} and {@code lag_bytes = 0};</li>
 *   <li>a standby once seen streaming from a configured upstream never silently disappears from that upstream's
 *       links while the upstream is read;</li>
 *   <li>{@code max_lag_seconds} is the worst lag of any node, and a node's lag is the worst of its links;</li>
 *   <li>optionally, the metrics at the same version say what the snapshot says (see {@link #withMetrics}).</li>
 * </ul>
 */
public final class SnapshotInvariants implements AutoCloseable {

    private static final int MAX_KEPT = 20;

    private final Set<String> configured;
    private final List<String> violations = new ArrayList<>();
    private final Set<String> standbyPairs = new HashSet<>();
    private Function<PublishedSnapshot, List<String>> metricsCheck;
    private Cancellable following;
    private long lastVersion = -1;
    private long checked;
    private int total;

    public SnapshotInvariants(Collection<String> configuredNodes) {
        this.configured = Set.copyOf(configuredNodes);
    }

    /** Checks every version published on {@code bus} from now on, on the publishing thread, in order. */
    public static SnapshotInvariants following(SnapshotBus bus, Collection<String> configuredNodes) {
        SnapshotInvariants inv = new SnapshotInvariants(configuredNodes);
        inv.following = bus.follow("invariants", null, inv::check);
        return inv;
    }

    /**
     * Also compares the metrics with each snapshot: {@code check} is given the published version and returns what
     * differs (empty when the metrics match it).
     */
    public SnapshotInvariants withMetrics(Function<PublishedSnapshot, List<String>> check) {
        this.metricsCheck = check;
        return this;
    }

    public synchronized void check(PublishedSnapshot published) {
        Snapshot s = published.snapshot();
        checked++;
        if (s.version() <= lastVersion) {
            violation(s, "version " + s.version() + " after " + lastVersion);
        }
        lastVersion = Math.max(lastVersion, s.version());
        for (String name : configured) {
            if (!s.nodes().containsKey(name)) {
                violation(s, "configured node " + name + " absent");
            }
        }
        Double worstNode = null;
        for (NodeState n : s.nodes().values()) {
            Set<String> ids = new HashSet<>();
            Double worstLink = null;
            for (Link l : n.links()) {
                String where = n.name() + " " + l.kind() + " " + l.direction() + " " + l.peer();
                if (l.peer() == null) {
                    violation(s, n.name() + ": " + l.kind() + " " + l.direction() + " link without a peer");
                } else if (l.peer().equals(n.name())) {
                    violation(s, where + ": link to itself");
                }
                if (!ids.add(l.identity())) {
                    violation(s, where + ": two links with identity " + l.identity());
                }
                if (Boolean.TRUE.equals(l.active())
                        && l.lagSeconds() != null
                        && l.lagSeconds() > 0
                        && l.lagBytes() != null
                        && l.lagBytes() == 0) {
                    violation(s, where + ": active with lag_seconds " + l.lagSeconds() + " but lag_bytes 0");
                }
                if (l.lagSeconds() != null && (worstLink == null || l.lagSeconds() > worstLink)) {
                    worstLink = l.lagSeconds();
                }
                if (l.kind().equals("streaming")
                        && l.direction().equals(Link.INBOUND)
                        && l.peer() != null
                        && configured.contains(l.peer())
                        && Boolean.TRUE.equals(l.active())
                        && n.consecutiveFailures() == 0) {
                    standbyPairs.add(l.peer() + "|" + n.name());
                }
            }
            Double nodeLag = n.metrics().lagSeconds();
            if (worstLink != null && (nodeLag == null || nodeLag < worstLink)) {
                violation(s, n.name() + ": node lag " + nodeLag + " below its worst link's " + worstLink);
            }
            if (nodeLag != null && (worstNode == null || nodeLag > worstNode)) {
                worstNode = nodeLag;
            }
        }
        if (!Objects.equals(worstNode, s.cluster().maxLagSeconds())) {
            violation(s, "max_lag_seconds " + s.cluster().maxLagSeconds() + " but the worst node lag is " + worstNode);
        }
        for (String pair : standbyPairs) {
            String upstream = pair.substring(0, pair.indexOf('|'));
            String standby = pair.substring(pair.indexOf('|') + 1);
            NodeState up = s.nodes().get(upstream);
            if (up != null
                    && up.consecutiveFailures() == 0
                    && s.nodes().containsKey(standby)
                    && up.links().stream()
                            .noneMatch(l -> l.kind().equals("streaming")
                                    && l.direction().equals(Link.OUTBOUND)
                                    && standby.equals(l.peer()))) {
                violation(s, upstream + ": standby " + standby + " silently absent from its links");
            }
        }
        if (metricsCheck != null) {
            for (String difference : metricsCheck.apply(published)) {
                violation(s, "metrics: " + difference);
            }
        }
    }

    private void violation(Snapshot s, String what) {
        total++;
        if (violations.size() < MAX_KEPT) {
            violations.add("v" + s.version() + " " + what);
        }
    }

    /** How many versions were checked; a test that checked none proved nothing. */
    public synchronized long checked() {
        return checked;
    }

    public synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    public synchronized void assertNoViolation() {
        if (checked == 0) {
            throw new AssertionError("no snapshot version was checked");
        }
        if (total > 0) {
            throw new AssertionError(total + " invariant violation(s) in " + checked + " versions, first ones:\n  "
                    + String.join("\n  ", violations));
        }
    }

    /** Stops following the bus; what was found stays readable. */
    @Override
    public void close() {
        if (following != null) {
            following.cancel();
        }
    }

    /** The violations of one snapshot alone (the checks that need no earlier version). */
    public static List<String> of(Snapshot s, Collection<String> configuredNodes) {
        SnapshotInvariants one = new SnapshotInvariants(configuredNodes);
        one.check(new PublishedSnapshot(s, new byte[0], Instant.now()));
        return one.violations();
    }
}
