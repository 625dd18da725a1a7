package io.pgactive.tools.collect;

import java.util.ArrayList;
import java.util.List;

/**
 * What a node can tell us, probed on (re)connect and every probe interval.
 *
 * @param pgactiveSysid   this node's pgactive node id, when pgactive is installed and the node is a member
 * @param pgactiveNodeName this node's name in {@code pgactive_nodes}; with the node id it tells this node's own
 *                         rows of the group-wide lag function from the others
 */
record Capabilities(
        int serverVersionNum,
        String serverVersion,
        boolean inRecovery,
        boolean pgactive,
        boolean pgactiveLagInfo,
        boolean pgactiveNodeSlots,
        boolean pgactiveLastApplied,
        boolean pgactiveStats,
        boolean pgactiveConflictHistory,
        int subscriptions,
        String pgactiveVersion,
        String pgactiveNodeName,
        String pgactiveSysid) {

    Capabilities withPgactiveIdentity(String version, String nodeName, String sysid) {
        return new Capabilities(
                serverVersionNum,
                serverVersion,
                inRecovery,
                pgactive,
                pgactiveLagInfo,
                pgactiveNodeSlots,
                pgactiveLastApplied,
                pgactiveStats,
                pgactiveConflictHistory,
                subscriptions,
                version,
                nodeName,
                sysid);
    }

    /** Whether this node knows which pgactive member it is (it may not yet have joined, or lack the privileges). */
    boolean pgactiveIdentityKnown() {
        return pgactiveNodeName != null || pgactiveSysid != null;
    }

    /**
     * pgactive and subscriptions act only on a writable node: a physical standby carries their catalogs, copied from
     * its primary, but runs neither, and reporting them there would duplicate the primary's links.
     */
    boolean pgactiveActive() {
        return pgactive && !inRecovery;
    }

    boolean subscriptionsActive() {
        return subscriptions > 0 && !inRecovery;
    }

    /** Base roles from the probe; {@code primary}/{@code publisher} are added when links show them. */
    List<String> baseRoles() {
        List<String> roles = new ArrayList<>();
        if (pgactiveActive()) {
            roles.add("pgactive");
        }
        if (inRecovery) {
            roles.add("standby");
        }
        if (subscriptionsActive()) {
            roles.add("subscriber");
        }
        return roles;
    }
}
