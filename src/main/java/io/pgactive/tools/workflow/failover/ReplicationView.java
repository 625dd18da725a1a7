package io.pgactive.tools.workflow.failover;

import java.util.List;

/** A primary and its standbys, read from one snapshot ({@code version}) for one failover decision. */
public record ReplicationView(long version, PrimaryView primary, List<StandbyView> standbys) {

    public ReplicationView {
        standbys = List.copyOf(standbys);
    }
}
